// SIGTERM to a gateway process in the middle of a burst: it stops accepting at once, every request
// already in flight completes with its full answer, open subscriptions are closed with 1001 (going
// away), and the process exits 0. A request that outlives the grace period is cut, so a stop never hangs.
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoProducts } from '../../prisma/seed-data.ts';
import { placeOrder } from '../support/shop-actions.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { gatewayEnvFor, startGatewayProcess, type GatewayProcess } from '../support/service-process.ts';
import { graphql } from '../support/graphql-client.ts';
import { readCounter } from '../support/metrics.ts';
import { logInAsCustomer, type Session } from '../support/sessions.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';
import { waitFor } from '../support/wait-for.ts';
import { subscribeMultipart } from '../support/multipart.ts';
import { collect, wsClient } from '../support/subscriptions.ts';

let supergraph: TestSupergraph;
let customer: Session;
let catalogProxy: FaultProxy;
/** Each test's gateway process, by its grace period; started together (a process's start is seconds), each idle until its test. */
let patient: GatewayProcess | undefined;
let hasty: GatewayProcess | undefined;

beforeAll(async () => {
  supergraph = await startTestSupergraph();
  customer = await logInAsCustomer(supergraph.gatewayUrl);
  catalogProxy = await startFaultProxy(supergraph.subgraphs['catalog']!.url);
  const [started10s, started500ms] = await Promise.allSettled([startGateway(10_000), startGateway(500)]);
  if (started10s.status === 'fulfilled') patient = started10s.value;
  if (started500ms.status === 'fulfilled') hasty = started500ms.value;
  if (started10s.status === 'rejected') throw started10s.reason;
  if (started500ms.status === 'rejected') throw started500ms.reason;
}, 120_000);
afterEach(() => {
  catalogProxy.setMode({ kind: 'pass' });
});
afterAll(async () => {
  await Promise.all([patient?.stop(), hasty?.stop()]);
  await catalogProxy?.close();
  await supergraph?.stop();
});

/** A gateway process whose catalog fetches go through the fault proxy. */
const startGateway = (shutdownGraceMs: number) =>
  startGatewayProcess({
    ...gatewayEnvFor(supergraph),
    SUBGRAPH_URL_CATALOG: `${catalogProxy.url}/graphql`,
    SUBGRAPH_RETRIES: '0',
    SHUTDOWN_GRACE_MS: String(shutdownGraceMs),
  });

const PRODUCTS = /* GraphQL */ `query Burst { products(first: 5) { edges { node { id name price { amount currency } inStock } } } }`;
interface Products {
  products: { edges: { node: { id: string; name: string; price: { amount: string; currency: string }; inStock: boolean } }[] };
}

/** Whether a new TCP connection to the gateway's port is accepted. */
const accepts = (url: string) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('graceful shutdown on SIGTERM', () => {
  it('finishes every request in flight, closes WebSocket subscriptions with 1001 and multipart ones with a last part, refuses new connections and exits 0', async () => {
    const gateway = patient!;
    const { url } = gateway;
    const subscriber = wsClient(url, customer.token);
    const orderId = await placeOrder(supergraph.gatewayUrl, customer, [{ productId: demoProducts[12]!.id, quantity: 1 }]);
    const subscription = collect(subscriber, 'subscription ($id: ID!) { orderStatusChanged(orderId: $id) { id status } }', { id: orderId });
    const overHttp = await subscribeMultipart(url, 'subscription ($id: ID!) { orderStatusChanged(orderId: $id) { id status } }', { id: orderId }, customer.token);
    if (overHttp.kind !== 'multipart') throw new Error(`no multipart stream: ${JSON.stringify(overHttp.body)}`);
    await waitFor(
      () => readCounter(new URL('/', url).toString().replace(/\/$/, ''), 'gateway_subscriptions_active'),
      (count) => count === 2,
      {
        what: 'both subscriptions to be active',
      },
    );

    catalogProxy.setMode({ kind: 'slow', delayMs: 1_500 });
    const before = catalogProxy.received.length;
    const burst = Array.from({ length: 24 }, () => graphql<Products>(url, PRODUCTS, {}, { token: customer.token }));
    await waitFor(
      async () => catalogProxy.received.length - before,
      (count) => count >= 24,
      { what: 'the whole burst to reach catalog' },
    );

    const signalled = performance.now();
    gateway.terminate();
    await waitFor(
      () => accepts(url),
      (accepted) => !accepted,
      { what: 'the gateway to stop accepting connections', timeoutMs: 1_000, intervalMs: 20 },
    );

    const responses = await Promise.all(burst);
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(response.errors).toBeUndefined();
      expect(response.data!.products.edges).toHaveLength(5);
      expect(response.data!.products.edges.every(({ node }) => node.name && typeof node.inStock === 'boolean')).toBe(true);
    }
    const ended = await subscription.ended;
    expect(ended.close).toEqual({ code: 1001, reason: 'Going away' });
    // The multipart stream ends with a last part saying why, then the closing boundary.
    expect(await overHttp.ended).toEqual({ terminated: true });
    expect(overHttp.parts.at(-1)).toEqual({ payload: null, errors: [{ message: 'The gateway is going away; subscribe again.', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
    const exit = await gateway.exited;
    expect(exit.code, exit.stderr).toBe(0);
    // It waited for the slow answers and no longer: far inside the grace period.
    expect(performance.now() - signalled).toBeLessThan(8_000);
    await subscriber.dispose();
  });

  it('cuts a request that outlives the grace period and still exits', async () => {
    const gateway = hasty!;
    catalogProxy.setMode({ kind: 'slow', delayMs: 5_000 });
    const stuck = graphql<Products>(gateway.url, PRODUCTS, {}, { token: customer.token }).then(
      () => 'answered',
      () => 'cut',
    );
    const before = catalogProxy.received.length;
    await waitFor(
      async () => catalogProxy.received.length,
      (count) => count > before,
      { what: 'the request to reach catalog' },
    );
    const signalled = performance.now();
    gateway.terminate();
    const exit = await gateway.exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(4_000);
    expect(await stuck).toBe('cut');
  });
});
