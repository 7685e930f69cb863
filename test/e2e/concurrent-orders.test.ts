// Many customers ordering at once, on either infrastructure (the embedded PGlite default runs one
// transaction at a time): every placeOrder is either placed whole or refused with the retryable
// SERVICE_UNAVAILABLE (HTTP 503, Retry-After) having written nothing; never INTERNAL_SERVER_ERROR.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSubgraphConfig } from '../../common/service/subgraph-config.ts';
import { demoProducts } from '../../prisma/seed-data.ts';
import { PlaceOrderDocument } from '../../sdk/index.ts';
import type { PrismaClient as OrdersPrisma } from '../../subgraphs/orders/generated/prisma/client.ts';
import { errorCodes, graphql } from '../support/graphql-client.ts';
import { logInAsCustomer, type Session } from '../support/sessions.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';
import { testTiming } from '../support/test-timing.ts';
import { waitFor } from '../support/wait-for.ts';

let supergraph: TestSupergraph;
let customer: Session;
const service = loadSubgraphConfig('orders', {});
/** Only for the run of orders that refuses: any wait ends in the same refusal while the pool is held. */
const SHORT_ACQUIRE_TIMEOUT_MS = 1_000;

beforeAll(async () => {
  // The services' own database wait and pool, not the tests' longer one: what a shop demo gets.
  supergraph = await startTestSupergraph({
    env: { DB_ACQUIRE_TIMEOUT_MS: String(service.databaseAcquireTimeoutMs), DB_POOL_SIZE: String(service.databasePoolSize) },
  });
  customer = await logInAsCustomer(supergraph.gatewayUrl);
});
afterAll(() => supergraph?.stop());

const orders = () => supergraph.subgraphs['orders']!.prisma as OrdersPrisma;
const items = [
  { productId: demoProducts[20]!.id, quantity: 1 },
  { productId: demoProducts[21]!.id, quantity: 2 },
];
const place = (key: string) => graphql(supergraph.gatewayUrl, PlaceOrderDocument, { input: { items, paymentToken: 'tok_visa' }, idempotencyKey: key }, { token: customer.token });
type Placed = Awaited<ReturnType<typeof place>>;

/** A refusal the client can retry: 503, Retry-After, SERVICE_UNAVAILABLE only, no data. */
const expectRetryableRefusal = (response: Placed) => {
  expect(response.status).toBe(503);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(response.data ?? null).toBeNull();
  expect(new Set(errorCodes(response))).toEqual(new Set(['SERVICE_UNAVAILABLE']));
};

/** The order under `key` exists with all its parts (lines, history, the saga's first messages), or not at all. */
async function storedOrder(key: string) {
  const order = await orders().order.findUnique({
    where: { customerId_idempotencyKey: { customerId: customer.userId, idempotencyKey: key } },
    include: { items: true, history: true },
  });
  if (!order) return null;
  const messages = await orders().outboxMessage.findMany({ where: { payload: { path: ['orderId'], equals: order.id } } });
  return { order, messageTypes: messages.map((message) => message.type) };
}
const expectWhole = (stored: Awaited<ReturnType<typeof storedOrder>>) => {
  expect(stored).not.toBeNull();
  expect(stored!.order.items.map((item) => [item.productId, item.quantity]).sort()).toEqual(items.map((item) => [item.productId, item.quantity]).sort());
  expect(stored!.order.history.map((change) => change.status)).toContain('PENDING');
  expect(stored!.messageTypes).toEqual(expect.arrayContaining(['OrderPlaced', 'ReserveStock']));
};

describe('concurrent placeOrder', () => {
  it('places 30 orders at once: each placed whole or refused as retryable, none an internal error', async () => {
    const keys = Array.from({ length: 30 }, () => randomUUID());
    const responses = await Promise.all(keys.map(place));

    expect(responses.flatMap(errorCodes)).not.toContain('INTERNAL_SERVER_ERROR');
    for (const [index, response] of responses.entries()) {
      const stored = await storedOrder(keys[index]!);
      if (response.errors) {
        expectRetryableRefusal(response);
        expect(stored).toBeNull();
      } else {
        expect(response.status).toBe(200);
        expect(stored?.order.id).toBe(response.data!.placeOrder.id);
        expectWhole(stored);
      }
    }
    // Queued, not refused, is what a PGlite demo under this load should see.
    expect(responses.filter((response) => !response.errors).length).toBeGreaterThan(0);
  });

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After when the database has no connection to give, writes nothing, and the retry places the order', async () => {
    // The refusal comes when DB_ACQUIRE_TIMEOUT_MS runs out: a run of the orders service with a short
    // one (the demo's is 8 s), then the demo's settings again for the retry.
    await supergraph.stopSubgraph('orders');
    await supergraph.startSubgraph('orders', { DB_ACQUIRE_TIMEOUT_MS: String(SHORT_ACQUIRE_TIMEOUT_MS) });
    // Its pool warm again, every connection open, as the first test leaves it: on PGlite a connection
    // cannot open while another holds a transaction (overlapping sleeps make the pool open them all).
    await Promise.all(Array.from({ length: service.databasePoolSize }, () => orders().$queryRawUnsafe('SELECT 1 AS warm FROM pg_sleep(0.1)')));
    // Every pooled connection of the orders service held by a transaction that waits for the test.
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let entered = 0;
    const holders = Array.from({ length: service.databasePoolSize }, () =>
      orders().$transaction(
        async (tx) => {
          await tx.$queryRawUnsafe('SELECT 1');
          entered += 1;
          await released;
        },
        { maxWait: testTiming.conditionMs, timeout: testTiming.conditionMs },
      ),
    );
    const key = randomUUID();
    try {
      // (On PGlite only the first gets in; the others wait for it, each holding its connection.)
      await waitFor(
        async () => entered,
        (count) => count > 0,
        { what: 'a transaction to hold the database' },
      );
      const refused = await place(key);
      expectRetryableRefusal(refused);
      expect(refused.errors![0]!.message).not.toMatch(/prisma|transaction|pool|timeout/i);
    } finally {
      release();
      await Promise.all(holders);
    }
    expect(await storedOrder(key)).toBeNull();

    await supergraph.stopSubgraph('orders');
    await supergraph.startSubgraph('orders');
    const retried = await place(key);
    expect(retried.errors).toBeUndefined();
    expect(retried.status).toBe(200);
    expectWhole(await storedOrder(key));
  });
});
