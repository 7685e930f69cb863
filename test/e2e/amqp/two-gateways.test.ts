// Two gateway processes sharing the broker: a subscriber on gateway A hears the status changes of an
// order placed through gateway B. Each gateway consumes OrderStatusChanged on a transient queue of its
// own, so an event reaches every replica. RabbitMQ only (vitest project `postgres`): the in-process
// bus cannot cross processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rabbitmqctlAvailable } from '../../../common/messaging/testing/rabbitmq.ts';
import { demoProducts } from '../../../prisma/seed-data.ts';
import { graphql } from '../../support/graphql-client.ts';
import { logInAsCustomer, type Session } from '../../support/sessions.ts';
import { startTestSupergraph, type TestSupergraph } from '../../support/test-supergraph.ts';
import { waitFor } from '../../support/wait-for.ts';
import { collect, wsClient } from '../support/subscriptions.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
if (!(await rabbitmqctlAvailable())) throw new Error('rabbitmqctl is not available; the transient-queue test needs it.');

interface GatewayProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: string[];
}

let supergraph: TestSupergraph;
let customer: Session;
const gateways: GatewayProcess[] = [];
const timings: string[] = [];

/** A port nobody listens on right now (closed again at once; the gateway takes it next). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

async function spawnGateway(): Promise<GatewayProcess> {
  const port = await freePort();
  const subgraphUrls = Object.fromEntries(
    Object.values(supergraph.subgraphs).map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, `${subgraph.url}/graphql`]),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env['PATH'],
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'silent',
      ...subgraphUrls,
      JWKS_URL: `${supergraph.subgraphs['accounts']!.url}/.well-known/jwks.json`,
      AMQP_URL: supergraph.env['AMQP_URL'],
      AMQP_EXCHANGE: supergraph.env['AMQP_EXCHANGE'],
      AMQP_QUEUE_PREFIX: supergraph.env['AMQP_QUEUE_PREFIX'],
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const gateway = { url: `http://127.0.0.1:${port}/graphql`, child, output };
  gateways.push(gateway);
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}: ${output.join('')}`);
      return fetch(`http://127.0.0.1:${port}/health/live`).then((response) => response.status, () => 0);
    },
    (status) => status === 200,
    { timeoutMs: 30_000, intervalMs: 100, what: `the gateway on port ${port} to listen` },
  );
  return gateway;
}

async function stopGateway({ child }: GatewayProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killer);
}

beforeAll(async () => {
  const started = performance.now();
  supergraph = await startTestSupergraph({ mode: 'postgres' });
  customer = await logInAsCustomer(supergraph.gatewayUrl);
  await Promise.all([spawnGateway(), spawnGateway()]);
  timings.push(`supergraph and two gateway processes up: ${Math.round(performance.now() - started)} ms`);
}, 120_000);

afterAll(async () => {
  await Promise.all(gateways.map(stopGateway));
  await supergraph?.stop();
  console.log(`two-gateway timings\n  ${timings.join('\n  ')}`);
});

const WATCH = /* GraphQL */ `
  subscription ($id: ID!) { orderStatusChanged(orderId: $id) { id status items { product { name } } payment { status } } }
`;
interface Watched {
  orderStatusChanged: { id: string; status: string; items: { product: { name: string } }[]; payment: { status: string } | null };
}

describe('two gateway processes on one broker', () => {
  it('a subscriber on gateway A receives the changes of an order placed through gateway B', async () => {
    const [a, b] = gateways as [GatewayProcess, GatewayProcess];
    // The order waits PENDING while inventory is away; then the saga confirms it.
    await supergraph.stopSubgraph('inventory');
    let inventoryBack = false;
    try {
      const placed = await graphql<{ placeOrder: { id: string } }>(
        b.url,
        `mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { id } }`,
        { input: { items: [{ productId: demoProducts[0]!.id, quantity: 1 }], paymentToken: 'tok_visa' }, key: randomUUID() },
        { token: customer.token },
      );
      const id = placed.data!.placeOrder.id;

      const onA = wsClient(a.url, customer.token);
      const onB = wsClient(b.url, customer.token);
      try {
        const watchingA = collect<Watched>(onA, WATCH, { id });
        const watchingB = collect<Watched>(onB, WATCH, { id });
        await Promise.all([watchingA, watchingB].map((watching) => watching.until((results) => results.length === 1)));
        expect(watchingA.results[0]?.data?.orderStatusChanged.status).toBe('PENDING');

        const released = performance.now();
        await supergraph.startSubgraph('inventory');
        inventoryBack = true;
        await Promise.all([watchingA, watchingB].map((watching) => watching.until((results) => results.length === 2)));
        timings.push(`CONFIRMED on both gateways: ${Math.round(performance.now() - released)} ms after inventory restarted`);
        for (const watching of [watchingA, watchingB]) {
          expect(watching.results.map((result) => result.data?.orderStatusChanged.status)).toEqual(['PENDING', 'CONFIRMED']);
          expect(watching.results[1]?.data?.orderStatusChanged).toMatchObject({
            id,
            items: [{ product: { name: demoProducts[0]!.name } }],
            payment: { status: 'CAPTURED' },
          });
        }
      } finally {
        await Promise.all([onA.dispose(), onB.dispose()]);
      }
    } finally {
      if (!inventoryBack) await supergraph.startSubgraph('inventory');
    }
  });

  it('each gateway holds its own transient queue, gone when its process ends', async () => {
    const management = await brokerQueues();
    const ours = management.filter((name) => name.startsWith(`${supergraph.env['AMQP_QUEUE_PREFIX']}gateway.subscriptions.`));
    // The test supergraph's own gateway and the two processes: three main queues (plus their dead queues).
    expect(ours.filter((name) => !name.endsWith('.dead'))).toHaveLength(3);

    const [a] = gateways as [GatewayProcess];
    await stopGateway(a);
    await waitFor(brokerQueues, (names) => names.filter((name) => name.startsWith(`${supergraph.env['AMQP_QUEUE_PREFIX']}gateway.subscriptions.`) && !name.endsWith('.dead')).length === 2, {
      what: "gateway A's queue to go",
    });
  });
});

/** Queue names on the broker, through rabbitmqctl. */
async function brokerQueues(): Promise<string[]> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) =>
    execFile('rabbitmqctl', ['list_queues', '--quiet', '--no-table-headers', 'name'], { timeout: 15_000 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout.split('\n').map((line) => line.trim()).filter(Boolean)),
    ),
  );
}
