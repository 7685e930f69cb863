// Two gateway processes sharing the broker: a subscriber on gateway A hears the status changes of an
// order placed through gateway B. Each gateway consumes OrderStatusChanged on a transient queue of its
// own, so an event reaches every replica. RabbitMQ only (vitest project `postgres`): the in-process
// bus cannot cross processes.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rabbitmqctlAvailable } from '../../../common/messaging/testing/rabbitmq.ts';
import { demoProducts } from '../../../prisma/seed-data.ts';
import { graphql } from '../../support/graphql-client.ts';
import { logInAsCustomer, type Session } from '../../support/sessions.ts';
import { startTestSupergraph, type TestSupergraph } from '../../support/test-supergraph.ts';
import { waitFor } from '../../support/wait-for.ts';
import { gatewayEnvFor, startGatewayProcess, type GatewayProcess } from '../../support/service-process.ts';
import { collect, wsClient } from '../../support/subscriptions.ts';

if (!(await rabbitmqctlAvailable())) throw new Error('rabbitmqctl is not available; the transient-queue test needs it.');

let supergraph: TestSupergraph;
let customer: Session;
const gateways: GatewayProcess[] = [];
const timings: string[] = [];

const spawnGateway = async (): Promise<GatewayProcess> => {
  const gateway = await startGatewayProcess({
    ...gatewayEnvFor(supergraph),
    AMQP_URL: supergraph.env['AMQP_URL']!,
    AMQP_EXCHANGE: supergraph.env['AMQP_EXCHANGE']!,
    AMQP_QUEUE_PREFIX: supergraph.env['AMQP_QUEUE_PREFIX']!,
  });
  gateways.push(gateway);
  return gateway;
};

beforeAll(async () => {
  const started = performance.now();
  supergraph = await startTestSupergraph({ mode: 'postgres' });
  customer = await logInAsCustomer(supergraph.gatewayUrl);
  await Promise.all([spawnGateway(), spawnGateway()]);
  timings.push(`supergraph and two gateway processes up: ${Math.round(performance.now() - started)} ms`);
}, 120_000);

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
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
    await a.stop();
    await waitFor(
      brokerQueues,
      (names) => names.filter((name) => name.startsWith(`${supergraph.env['AMQP_QUEUE_PREFIX']}gateway.subscriptions.`) && !name.endsWith('.dead')).length === 2,
      {
        what: "gateway A's queue to go",
      },
    );
  });
});

/** Queue names on the broker, through rabbitmqctl. */
async function brokerQueues(): Promise<string[]> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) =>
    execFile('rabbitmqctl', ['list_queues', '--quiet', '--no-table-headers', 'name'], { timeout: 15_000 }, (error, stdout) =>
      error
        ? reject(error)
        : resolve(
            stdout
              .split('\n')
              .map((line) => line.trim())
              .filter(Boolean),
          ),
    ),
  );
}
