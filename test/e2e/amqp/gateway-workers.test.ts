// GATEWAY_WORKERS=2, from the outside: `gateway/main.ts` in production mode, as a container runs it,
// over the real subgraphs, Redis and RabbitMQ. Two worker processes answer on one port (each one's
// pid in /metrics, its requests counted under its `worker` label); subscriptions held by either worker
// receive the events the subgraphs publish on the bus; a killed worker is replaced while the port
// keeps answering; SIGTERM stops them all and the primary exits 0. A worker that cannot start (a
// supergraph file that is not there) ends the primary with an error instead of a restart loop.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devSubgraphSecret } from '../../../common/service/subgraph-config.ts';
import { SUBGRAPH_NAMES } from '../../../gateway/config.ts';
import { demoProducts } from '../../../prisma/seed-data.ts';
import { graphql } from '../../support/graphql-client.ts';
import type { Session } from '../../support/sessions.ts';
import { gatewayEnvFor, startGatewayProcess, type GatewayProcess } from '../../support/service-process.ts';
import { signUpCustomer } from '../../support/shop-actions.ts';
import { collect, wsClient } from '../../support/subscriptions.ts';
import { testTiming } from '../../support/test-timing.ts';
import { startTestSupergraph, type TestSupergraph } from '../../support/test-supergraph.ts';
import { waitFor } from '../../support/wait-for.ts';

const CART = /* GraphQL */ `subscription { cartChanged { id version itemCount } }`;
const ADD = /* GraphQL */ `mutation ($id: ID!, $quantity: Int!) { addToCart(productId: $id, quantity: $quantity) { id version } }`;

let supergraph: TestSupergraph;
let gateway: GatewayProcess | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  supergraph = await startTestSupergraph({ mode: 'postgres' });
  env = {
    ...gatewayEnvFor(supergraph),
    NODE_ENV: 'production',
    GATEWAY_WORKERS: '2',
    // Production refuses unknown operations; this test sends its own.
    PERSISTED_DOCUMENTS: 'allow',
    ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`SUBGRAPH_SECRET_${name.toUpperCase()}`, devSubgraphSecret(name)])),
    AMQP_URL: supergraph.env['AMQP_URL']!,
    AMQP_EXCHANGE: supergraph.env['AMQP_EXCHANGE']!,
    AMQP_QUEUE_PREFIX: supergraph.env['AMQP_QUEUE_PREFIX']!,
    REDIS_URL: supergraph.env['REDIS_URL']!,
    RATE_LIMIT_KEY_PREFIX: supergraph.env['RATE_LIMIT_KEY_PREFIX']!,
    PLAN_CACHE_KEY_PREFIX: supergraph.env['PLAN_CACHE_KEY_PREFIX']!,
    ENTITY_CACHE_KEY_PREFIX: supergraph.env['ENTITY_CACHE_KEY_PREFIX']!,
    RATE_LIMIT_USER_POINTS: '1000000',
    RATE_LIMIT_ANONYMOUS_POINTS: '1000000',
    AUTH_RATE_LIMIT_POINTS: '1000',
    SUPERGRAPH_WATCH: 'false',
  };
  gateway = await startGatewayProcess(env);
}, testTiming.hookTimeoutMs);

afterAll(async () => {
  await gateway?.stop();
  await supergraph?.stop();
});

const baseOf = (process: GatewayProcess) => new URL('/', process.url).toString().replace(/\/$/, '');
/** The workers' pids by slot, as /metrics (answered for all of them) lists them. */
async function workerPids(process: GatewayProcess): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseOf(process)}/metrics`)).text();
  const pids = new Map<string, number>();
  for (const match of text.matchAll(/^gateway_worker_info\{([^}]*)\} 1$/gm)) {
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((label) => [label[1], label[2]]));
    pids.set(labels['worker']!, Number(labels['pid']));
  }
  return pids;
}
async function requestsByWorker(process: GatewayProcess): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseOf(process)}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const line of text.split('\n').filter((candidate) => candidate.startsWith('graphql_requests_total{'))) {
    const worker = /worker="(\d+)"/.exec(line)?.[1];
    if (worker !== undefined) counts.set(worker, (counts.get(worker) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}
/**
 * A query over a connection of its own (fetch would reuse a kept-alive one, which stays with one
 * worker): the primary hands each new connection to the next worker.
 */
function askOnNewConnection(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', connection: 'close' } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ query: '{ categories { id } }' }));
  });
}
const answersCategories = async (url: string) => {
  const { status, body } = await askOnNewConnection(url);
  expect(status).toBe(200);
  expect(JSON.parse(body)).toMatchObject({ data: { categories: expect.any(Array) } });
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('GATEWAY_WORKERS=2 in production', () => {
  it('two worker processes answer on one port, each counted under its own worker label', { timeout: testTiming.testTimeoutMs }, async () => {
    const pids = await workerPids(gateway!);
    expect([...pids.keys()].sort()).toEqual(['0', '1']);
    expect(new Set(pids.values()).size).toBe(2);
    expect(pids.get('0')).not.toBe(gateway!.pid);
    for (const pid of pids.values()) expect(alive(pid)).toBe(true);
    // New connections go to the workers in turn.
    for (let request = 0; request < 20; request += 1) await answersCategories(gateway!.url);
    const counts = await requestsByWorker(gateway!);
    expect(counts.get('0')).toBeGreaterThan(0);
    expect(counts.get('1')).toBeGreaterThan(0);
  });

  it('subscriptions on either worker receive the events published on the bus', { timeout: testTiming.testTimeoutMs }, async () => {
    const users: Session[] = await Promise.all([0, 1, 2, 3].map((n) => signUpCustomer(gateway!.url, `Worker customer ${n}`)));
    // One connection per user: four connections over two workers.
    const clients = users.map((user) => wsClient(gateway!.url, user.token));
    try {
      const subscriptions = clients.map((client) => collect<{ cartChanged: { id: string; version: number } }>(client, CART));
      const connections = async () => {
        const text = await (await fetch(`${baseOf(gateway!)}/metrics`)).text();
        return [...text.matchAll(/^gateway_subscriptions_active\{[^}]*worker="(\d+)"[^}]*\} (\d+)/gm)].filter((match) => Number(match[2]) > 0).map((match) => match[1]);
      };
      // Both workers hold some of them (round robin over new connections).
      const holding = await waitFor(connections, (workers) => new Set(workers).size === 2, { what: 'both workers to hold subscriptions' });
      expect(new Set(holding).size).toBe(2);
      const product = demoProducts.find((candidate) => candidate.stock >= 10)!;
      const versions = await Promise.all(
        users.map(async (user) => {
          const added = await graphql<{ addToCart: { id: string; version: number } }>(gateway!.url, ADD, { id: product.id, quantity: 1 }, { token: user.token });
          expect(added.errors).toBeUndefined();
          return added.data!.addToCart;
        }),
      );
      await Promise.all(
        subscriptions.map((subscription, n) =>
          subscription.until((results) => results.some((result) => result.data?.cartChanged.version === versions[n]!.version), testTiming.conditionMs),
        ),
      );
      for (const [n, subscription] of subscriptions.entries()) {
        for (const result of subscription.results) {
          expect(result.errors).toBeUndefined();
          expect(result.data?.cartChanged.id).toBe(versions[n]!.id);
        }
      }
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  });

  // A replacement loads the whole gateway again: on a loaded machine that takes a while.
  it('a killed worker is replaced while the port keeps answering', { timeout: 2 * testTiming.testTimeoutMs }, async () => {
    const before = await workerPids(gateway!);
    const victim = before.get('0')!;
    process.kill(victim, 'SIGKILL');
    await waitFor(
      async () => alive(victim),
      (up) => !up,
      { what: 'the killed worker to be gone' },
    );
    // The survivor answers every new connection meanwhile.
    for (let request = 0; request < 10; request += 1) await answersCategories(gateway!.url);
    const after = await waitFor(
      () => workerPids(gateway!),
      (pids) => pids.size === 2 && pids.get('0') !== victim,
      { what: 'worker 0 to be replaced', timeoutMs: testTiming.conditionMs },
    );
    expect(after.get('1')).toBe(before.get('1'));
    // The replacement takes requests once it listens.
    await waitFor(
      async () => {
        await answersCategories(gateway!.url);
        return (await requestsByWorker(gateway!)).get('0') ?? 0;
      },
      (count) => count > 0,
      { what: 'the replacement worker to answer', timeoutMs: 1.5 * testTiming.testTimeoutMs, intervalMs: 500 },
    );
  });

  it('SIGTERM stops every worker and the primary exits 0', { timeout: testTiming.testTimeoutMs }, async () => {
    const pids = [...(await workerPids(gateway!)).values()];
    gateway!.terminate();
    const exit = await gateway!.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    for (const pid of pids) expect(alive(pid)).toBe(false);
    gateway = undefined;
  });

  it('workers that cannot start end the primary with an error, without forking again and again', { timeout: testTiming.testTimeoutMs }, async () => {
    const started = startGatewayProcess({ ...env, SUPERGRAPH_PATH: '/nonexistent/supergraph.graphql' });
    await expect(started).rejects.toThrow(/exited: [\s\S]*ENOENT/);
  });
});
