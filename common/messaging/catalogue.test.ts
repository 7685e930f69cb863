// The message catalogue, publishing through the outbox and consumer maps, without a database or a
// broker: a fake client records the SQL a transaction runs and whether it committed. The SQL itself
// runs on PostgreSQL and PGlite in outbox-inbox.test.ts.
import { randomUUID } from 'node:crypto';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { z } from 'zod';
import { catalogue, CheckoutRequested, OrderPlaced, StockChanged } from '../contracts/messages/index.ts';
import { createLogger } from '../logger.ts';
import { SUBGRAPH_NAMES } from '../service/subgraph-registry.ts';
import { causeOf, defineMessage, envelopeOf, InvalidMessageError, messagesByOwner, type PayloadOf } from './catalogue.ts';
import { bindingsOf, consumer, dispatcher, on } from './consumer.ts';
import type { Envelope } from './envelope.ts';
import type { TransactionOptions } from './inbox.ts';
import { createOutbox, type Publish } from './outbox-publisher.ts';

const log = createLogger('catalogue-test', 'silent');

/** A client whose interactive transactions record their statements, and commit unless the work throws. */
function fakeDatabase(options: { inboxHas?: string[] } = {}) {
  const committed: { sql: string; values: unknown[] }[][] = [];
  let rolledBack = 0;
  const client = (statements: { sql: string; values: unknown[] }[]) => ({
    async $queryRawUnsafe<T>(sql: string, ...values: unknown[]): Promise<T> {
      statements.push({ sql, values });
      if (sql.includes('"InboxMessage"')) return (options.inboxHas?.includes(String(values[1])) ? [] : [{ inserted: 1 }]) as T;
      return [] as T;
    },
  });
  type Tx = ReturnType<typeof client>;
  const prisma = {
    async $transaction<R>(work: (tx: Tx) => Promise<R>, _options?: TransactionOptions): Promise<R> {
      const statements: { sql: string; values: unknown[] }[] = [];
      try {
        const result = await work(client(statements));
        committed.push(statements);
        return result;
      } catch (error) {
        rolledBack += 1;
        throw error;
      }
    },
  };
  /** The envelopes the committed transactions wrote to the outbox. */
  const outboxRows = () =>
    committed
      .flat()
      .filter((statement) => statement.sql.includes('INSERT INTO "OutboxMessage"'))
      .flatMap((statement) => JSON.parse(String(statement.values[0])) as (Omit<Envelope, 'occurredAt'> & { occurredAt: string })[]);
  return { prisma, committed, outboxRows, rolledBack: () => rolledBack, client: client([]) };
}

const orderId = randomUUID();
const customerId = randomUUID();
const placed: PayloadOf<typeof OrderPlaced> = { orderId, customerId, amount: 1200, currency: 'EUR', items: [{ productId: randomUUID(), quantity: 2 }] };

describe('the catalogue', () => {
  it('defines each message once: routes unique, `<owner>.<kebab-type>` with the owner it is filed under, the type from the route', () => {
    const all = Object.entries(catalogue).flatMap(([owner, messages]) => messages.map((message) => ({ owner, message })));
    expect(all.length).toBeGreaterThan(20);
    expect(new Set(all.map(({ message }) => message.route)).size).toBe(all.length);
    expect(new Set(all.map(({ message }) => message.type)).size).toBe(all.length);
    for (const { owner, message } of all) expect(message.route.split('.')[0], message.route).toBe(owner);
    expect(OrderPlaced).toMatchObject({ route: 'orders.order-placed', type: 'OrderPlaced' });
    expect(defineMessage('inventory.stock-reservation-failed', z.object({})).type).toBe('StockReservationFailed');
    expect(() => defineMessage('OrderPlaced', z.object({}))).toThrow(/<owner>.<kebab-type>/);
  });

  it("files messages under the registry's subgraphs, in its order, and refuses an owner it does not have", () => {
    expect(Object.keys(catalogue)).toEqual(SUBGRAPH_NAMES.filter((name) => name in catalogue));
    const shipped = defineMessage('shipping.order-shipped', z.object({}));
    const reviewed = defineMessage('reviews.review-added', z.object({}));
    expect(messagesByOwner([shipped], ['orders', 'shipping'])).toEqual({ shipping: [shipped] });
    expect(() => messagesByOwner([shipped, reviewed], ['orders', 'shipping'])).toThrow('messages owned by no registered service: reviews.review-added');
  });

  it('types payloads from the schema', () => {
    expectTypeOf<PayloadOf<typeof OrderPlaced>>().toEqualTypeOf<{
      orderId: string;
      customerId: string;
      amount: number;
      currency: string;
      items: { productId: string; quantity: number }[];
    }>();
    const publish: Publish = () => {};
    // @ts-expect-error a payload its message does not take fails the type-check
    publish(OrderPlaced, { orderId });
    on(StockChanged, async (payload) => void expectTypeOf(payload.available).toEqualTypeOf<number>());
  });
});

describe('publishing through the outbox', () => {
  it('writes what the work published in its transaction, with the headers made in one place, and kicks the relay after the commit', async () => {
    const database = fakeDatabase();
    const kick = vi.fn();
    const outbox = createOutbox(kick);
    const result = await outbox.transaction(database.prisma, { requestId: 'req-1' }, async (_tx, publish) => {
      publish(OrderPlaced, placed);
      publish(StockChanged, { productId: placed.items[0]!.productId, available: 3, at: new Date().toISOString() });
      expect(kick).not.toHaveBeenCalled(); // not before the commit
      return 'done';
    });
    expect(result).toBe('done');
    expect(kick).toHaveBeenCalledTimes(1);
    const [order, stock] = database.outboxRows();
    expect(order).toMatchObject({ routingKey: 'orders.order-placed', type: 'OrderPlaced', payload: placed });
    // The definition names the conversation (the order); a message without one has no correlation here.
    expect(order?.headers).toEqual({ 'x-request-id': 'req-1', 'correlation-id': orderId });
    expect(stock?.headers).toEqual({ 'x-request-id': 'req-1' });
    expect(database.committed).toHaveLength(1);
  });

  it('refuses an invalid payload where it is published: nothing is written, the transaction rolls back, no kick', async () => {
    const database = fakeDatabase();
    const kick = vi.fn();
    const outbox = createOutbox(kick);
    const invalid = { ...placed, currency: 'EURO' };
    await expect(
      outbox.transaction(database.prisma, { requestId: 'req-2' }, async (tx, publish) => {
        await tx.$queryRawUnsafe('UPDATE "Order" SET "status" = \'PENDING\'');
        publish(OrderPlaced, invalid);
      }),
    ).rejects.toThrow(InvalidMessageError);
    await expect(outbox.transaction(database.prisma, { requestId: 'req-2' }, async (_tx, publish) => publish(OrderPlaced, invalid))).rejects.toThrow(
      /invalid OrderPlaced payload[\s\S]*currency/,
    );
    expect(database.rolledBack()).toBe(2);
    expect(database.committed).toEqual([]);
    expect(kick).not.toHaveBeenCalled();
  });

  it('does not kick after a rollback, nor after a transaction that published nothing', async () => {
    const database = fakeDatabase();
    const kick = vi.fn();
    const outbox = createOutbox(kick);
    await expect(
      outbox.transaction(database.prisma, { requestId: 'req-3' }, async (_tx, publish) => {
        publish(OrderPlaced, placed);
        throw new Error('the business write failed');
      }),
    ).rejects.toThrow('the business write failed');
    await outbox.transaction(database.prisma, { requestId: 'req-3' }, async () => 'nothing to say');
    expect(database.outboxRows()).toEqual([]);
    expect(kick).not.toHaveBeenCalled();
  });

  it("hands a handled message's request id, correlation and trace on to what its handling publishes, once per message", async () => {
    const cause = envelopeOf(
      CheckoutRequested,
      {
        checkoutId: randomUUID(),
        customerId,
        idempotencyKey: 'k',
        paymentToken: 'tok_visa',
        items: [{ productId: randomUUID(), quantity: 1, unitPriceAmount: 100, currency: 'EUR' }],
      },
      { 'x-request-id': 'req-4', 'correlation-id': 'checkout-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    );
    const database = fakeDatabase({ inboxHas: [] });
    const kick = vi.fn();
    const outbox = createOutbox(kick);
    const stockEvent = { productId: randomUUID(), available: 1, at: new Date().toISOString() };
    expect(await outbox.handleOnce(database.prisma, 'test.queue', cause, async (_tx, publish) => publish(StockChanged, stockEvent))).toBe('handled');
    expect(database.outboxRows()[0]?.headers).toEqual({
      'x-request-id': 'req-4',
      'correlation-id': 'checkout-1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(kick).toHaveBeenCalledTimes(1);

    // Without a request id of its own, the message's id stands for it.
    expect(causeOf({ ...cause, headers: {} })).toEqual({ requestId: cause.id, trace: {} });

    const seen = fakeDatabase({ inboxHas: [cause.id] });
    const work = vi.fn(async () => {});
    expect(await outbox.handleOnce(seen.prisma, 'test.queue', cause, work)).toBe('duplicate');
    expect(work).not.toHaveBeenCalled();
    expect(kick).toHaveBeenCalledTimes(1);
  });

  it('publishes one message in a statement of its own, then kicks', async () => {
    const database = fakeDatabase();
    const kick = vi.fn();
    await createOutbox(kick).publish(database.client, { requestId: 'req-5' }, OrderPlaced, placed);
    expect(kick).toHaveBeenCalledTimes(1);
    await expect(createOutbox(kick).publish(database.client, { requestId: 'req-5' }, OrderPlaced, { ...placed, items: [] })).rejects.toThrow(InvalidMessageError);
    expect(kick).toHaveBeenCalledTimes(1);
  });
});

describe('a consumer map', () => {
  const handledBy = () => {
    const calls: string[] = [];
    const definition = consumer({
      queue: 'test.orders',
      handlers: [
        on(OrderPlaced, async (payload, message) => void calls.push(`placed ${payload.amount} ${message.id}`)),
        on(StockChanged, async (payload) => void calls.push(`stock ${payload.available}`)),
      ],
    });
    return { calls, definition };
  };

  it("binds the queue to its messages' routes and gives each delivery, parsed, to its message's handler", async () => {
    const { calls, definition } = handledBy();
    expect(bindingsOf(definition)).toEqual(['orders.order-placed', 'inventory.stock-changed']);
    const handle = dispatcher(definition, log);
    const message = envelopeOf(OrderPlaced, placed);
    await handle(message);
    await handle(envelopeOf(StockChanged, { productId: randomUUID(), available: 7, at: 'now' }));
    expect(calls).toEqual([`placed 1200 ${message.id}`, 'stock 7']);
  });

  it('throws for a payload its schema refuses, so the bus retries and then dead-letters it', async () => {
    const { calls, definition } = handledBy();
    await expect(dispatcher(definition, log)({ ...envelopeOf(OrderPlaced, placed), payload: { orderId } })).rejects.toThrow(InvalidMessageError);
    expect(calls).toEqual([]);
  });

  it("acks a message it has no handler for (events), or throws for it (commands: 'retry')", async () => {
    const { definition } = handledBy();
    const stray = { ...envelopeOf(OrderPlaced, placed), routingKey: 'orders.something-else' };
    await expect(dispatcher(definition, log)(stray)).resolves.toBeUndefined();
    await expect(dispatcher({ ...definition, unknown: 'retry' }, log)(stray)).rejects.toThrow(/no handler for orders.something-else/);
  });

  it('refuses two handlers for one message', () => {
    expect(() => consumer({ queue: 'twice', handlers: [on(OrderPlaced, async () => {}), on(OrderPlaced, async () => {})] })).toThrow(/two handlers/);
  });
});
