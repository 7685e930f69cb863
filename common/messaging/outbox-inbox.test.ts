// The transactional outbox and the inbox, on a real PostgreSQL (a database of its own, dropped after)
// and on the embedded PGlite. The tables come from the model text in outbox.ts / inbox.ts; any
// service's generated client serves (raw SQL), the accounts one here.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { PrismaClient, type Prisma } from '../../subgraphs/accounts/generated/prisma/client.ts';
import { createTestDatabases, POSTGRES_ADMIN_URL } from '../../test/support/test-databases.ts';
import { testTiming } from '../../test/support/test-timing.ts';
import { IN_MEMORY, startEmbeddedPostgres } from '../database/embedded-postgres.ts';
import { OrderPlaced } from '../contracts/messages/index.ts';
import { createPrismaClient } from '../database/prisma-client.ts';
import { createLogger } from '../logger.ts';
import { createEnvelope, type Envelope } from './envelope.ts';
import { handleOnce } from './inbox.ts';
import { startMessageRetention } from './message-retention.ts';
import type { MessageBus } from './message-bus.ts';
import { outboxRecord, startOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox.ts';
import { createOutbox, writeOutbox as writeOutboxRows } from './outbox-publisher.ts';
import type { RawSqlClient } from './raw-sql-client.ts';
import { messagingTablesSql } from './testing/messaging-tables.ts';
import { JsonNull, type InputJsonValue } from '@prisma/client/runtime/client';

const log = createLogger('outbox-test', 'silent');
type Client = InstanceType<typeof PrismaClient>;

interface Database {
  readonly url: string;
  close(): Promise<void>;
}
interface Backend {
  readonly name: string;
  readonly available: boolean;
  open(): Promise<Database>;
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
const postgresUp = await postgresReachable();
if (!postgresUp) console.warn(`PostgreSQL at ${POSTGRES_ADMIN_URL} is unreachable: the outbox suite runs on PGlite only`);

const backends: Backend[] = [
  {
    name: 'PostgreSQL',
    available: postgresUp,
    async open() {
      const databases = await createTestDatabases(['accounts']);
      return { url: databases.urls.accounts, close: () => databases.drop() };
    },
  },
  {
    name: 'embedded PGlite',
    available: true,
    async open() {
      const server = await startEmbeddedPostgres({ dataDir: IN_MEMORY });
      return { url: server.connectionString, close: () => server.close() };
    },
  },
];

let tablesSql: string;
const timings: string[] = [];
beforeAll(async () => {
  const started = performance.now();
  tablesSql = await messagingTablesSql();
  timings.push(`tables SQL from the model comments (schema engine): ${Math.round(performance.now() - started)} ms`);
}, 60_000);
afterAll(() => console.log(`outbox/inbox timings\n  ${timings.join('\n  ')}`));

/** A bus that records what it was asked to publish; `fail(n)` says whether call n (from 1) fails. */
function recordingBus(options: { fail?: (call: number) => boolean; delayMs?: number } = {}) {
  const published: Envelope[] = [];
  let calls = 0;
  const bus: Pick<MessageBus, 'publish'> = {
    async publish(message) {
      calls += 1;
      const call = calls;
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      if (options.fail?.(call)) throw new Error(`broker hiccup on call ${call}`);
      published.push(message);
    },
  };
  return { bus, published };
}

/** The outbox write of `outbox.transaction` (outbox-publisher.ts), as it runs on a service's client. */
const writeOutbox = (tx: RawSqlClient, ...envelopes: Envelope[]) => writeOutboxRows(tx, envelopes);

/** Envelopes whose occurredAt are `spacingMs` apart, oldest first. */
function envelopes(count: number, label: string, spacingMs = 1): Envelope[] {
  const start = Date.now() - count * spacingMs;
  return Array.from({ length: count }, (_, i) => ({
    ...createEnvelope(`outbox.${label}`, 'OutboxTest', { i }, { 'x-request-id': `${label}-${i}` }),
    occurredAt: new Date(start + i * spacingMs).toISOString(),
  }));
}

const unpublishedCount = async (prisma: RawSqlClient) =>
  (await prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "OutboxMessage" WHERE "publishedAt" IS NULL`))[0]?.n;

describe('outboxRecord', () => {
  it("is the data of a generated client's outboxMessage.create, and refuses a bad envelope", () => {
    const envelope = createEnvelope('catalog.product-upserted', 'ProductUpserted', { sku: 'A-1', tags: ['x'] }, { 'x-request-id': 'r1' });
    const record = outboxRecord(envelope);
    expect(record).toEqual({
      id: envelope.id,
      routingKey: 'catalog.product-upserted',
      type: 'ProductUpserted',
      payload: { sku: 'A-1', tags: ['x'] },
      headers: { 'x-request-id': 'r1' },
      occurredAt: new Date(envelope.occurredAt),
    });
    expect(outboxRecord(createEnvelope('a.b', 'T', null)).payload).toBe(JsonNull); // Prisma refuses a bare null
    expect(() => outboxRecord(createEnvelope('a.b', 'T', { when: new Date() }))).toThrow(/not an Envelope/);

    // What `prisma generate` makes of the model (OutboxMessageUncheckedCreateInput): the record must fit it.
    type GeneratedCreateInput = {
      id: string;
      routingKey: string;
      type: string;
      payload: typeof JsonNull | InputJsonValue;
      headers: typeof JsonNull | InputJsonValue;
      occurredAt: Date | string;
      publishedAt?: Date | string | null;
      attempts?: number;
      claimedUntil?: Date | string | null;
    };
    expectTypeOf(record).toExtend<GeneratedCreateInput>();
  });
});

describe.each(backends)('outbox and inbox on $name', (backend) => {
  let database: Database | undefined;
  let prisma: Client;
  let second: Client;
  const relays: OutboxRelay[] = [];
  let started = 0;
  const test = it;

  const relay = (options: Omit<OutboxRelayOptions, 'prisma' | 'log'> & { prisma?: Client }) => {
    const started = startOutboxRelay({ prisma, log, pollIntervalMs: 20, retryDelayMs: 5, ...options });
    relays.push(started);
    return started;
  };

  beforeAll(async () => {
    // Not reachable is a failure here, never a silent skip.
    if (!backend.available) throw new Error(`${backend.name} is not reachable; these tests need it.`);
    started = performance.now();
    database = await backend.open();
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query(tablesSql);
    } finally {
      await admin.end();
    }
    prisma = createPrismaClient(PrismaClient, { connectionString: database.url, maxConnections: 4 });
    second = createPrismaClient(PrismaClient, { connectionString: database.url, maxConnections: 4 });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(relays.map((each) => each.stop()));
    await prisma?.$disconnect();
    await second?.$disconnect();
    await database?.close();
    if (backend.available) timings.push(`${backend.name}: ${Math.round(performance.now() - started)} ms`);
  }, 60_000);

  beforeEach(async () => {
    if (!backend.available) return;
    await Promise.all(relays.splice(0).map((each) => each.stop()));
    await prisma.$queryRawUnsafe(`DELETE FROM "OutboxMessage"`);
    await prisma.$queryRawUnsafe(`DELETE FROM "InboxMessage"`);
  });

  test('publishes committed rows oldest first and marks them published', async () => {
    const sent = envelopes(12, 'ordered');
    const shuffled = [...sent].sort(() => Math.random() - 0.5);
    await prisma.$transaction((tx) => writeOutbox(tx, ...shuffled.slice(0, 6)));
    await prisma.$transaction((tx) => writeOutbox(tx, ...shuffled.slice(6)));
    const { bus, published } = recordingBus();
    const outbox = relay({ bus, batchSize: 5 });
    expect(await outbox.lagMs()).toBeGreaterThan(0);

    outbox.kick();
    await outbox.flush();
    expect(published).toEqual(sent);
    expect(await unpublishedCount(prisma)).toBe(0);
    expect(await outbox.lagMs()).toBe(0);
  });

  test("outbox.transaction: a committed transaction's messages go out at once (the kick), a rolled-back one's never", async () => {
    const { bus, published } = recordingBus();
    const outbox = relay({ bus, pollIntervalMs: 600_000 }); // no poll in time: only the kick publishes
    const publisher = createOutbox(() => outbox.kick());
    const payload = { orderId: randomUUID(), customerId: randomUUID(), amount: 5, currency: 'EUR', items: [{ productId: randomUUID(), quantity: 1 }] };
    await expect(
      publisher.transaction(prisma, { requestId: 'rolled-back' }, async (_tx, publish) => {
        publish(OrderPlaced, payload);
        throw new Error('business rule refused');
      }),
    ).rejects.toThrow('business rule refused');
    await publisher.transaction(prisma, { requestId: 'committed' }, async (_tx, publish) => publish(OrderPlaced, payload));
    await vi.waitFor(() => expect(published).toHaveLength(1), { timeout: testTiming.conditionMs, interval: 20 });
    expect(published[0]).toMatchObject({
      routingKey: OrderPlaced.route,
      type: OrderPlaced.type,
      payload,
      headers: { 'x-request-id': 'committed', 'correlation-id': payload.orderId },
    });
    expect(await unpublishedCount(prisma)).toBe(0);
  });

  test('publishes every committed row at least once while publishing fails now and then', async () => {
    const sent = envelopes(40, 'flaky');
    for (let i = 0; i < sent.length; i += 10) await prisma.$transaction((tx) => writeOutbox(tx, ...sent.slice(i, i + 10)));
    const { bus, published } = recordingBus({ fail: (call) => call % 4 === 0 });
    const outbox = relay({ bus, batchSize: 8 });

    outbox.kick();
    await vi.waitFor(async () => expect(await unpublishedCount(prisma)).toBe(0), { timeout: 10_000, interval: 20 });
    expect(new Set(published.map((message) => message.id))).toEqual(new Set(sent.map((message) => message.id)));
    const retried = await prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "OutboxMessage" WHERE "attempts" > 1`);
    expect(retried[0]?.n).toBeGreaterThan(0);
  });

  test('never publishes the rows of a rolled-back transaction', async () => {
    const [kept, ...discarded] = envelopes(4, 'rollback');
    const failing = prisma.$transaction(async (tx) => {
      await writeOutbox(tx, ...discarded);
      throw new Error('business rule violated');
    });
    await expect(failing).rejects.toThrow('business rule violated');
    await prisma.$transaction((tx) => writeOutbox(tx, kept as Envelope));
    const { bus, published } = recordingBus();
    const outbox = relay({ bus });

    await outbox.flush();
    await outbox.flush();
    expect(published.map((message) => message.id)).toEqual([kept?.id]);
  });

  test('two relays on one table publish each row once', async () => {
    const sent = envelopes(240, 'replicas');
    for (let i = 0; i < sent.length; i += 60) await prisma.$transaction((tx) => writeOutbox(tx, ...sent.slice(i, i + 60)));
    const first = recordingBus({ delayMs: 1 });
    const secondBus = recordingBus({ delayMs: 1 });
    const relays = [relay({ bus: first.bus, batchSize: 20 }), relay({ bus: secondBus.bus, batchSize: 20, prisma: second })];

    for (const each of relays) each.kick();
    await vi.waitFor(async () => expect(await unpublishedCount(prisma)).toBe(0), { timeout: 20_000, interval: 20 });
    const ids = [...first.published, ...secondBus.published].map((message) => message.id);
    expect(ids).toHaveLength(sent.length); // no row twice
    expect(new Set(ids)).toEqual(new Set(sent.map((message) => message.id)));
    expect(first.published.length).toBeGreaterThan(0); // the work was shared
    expect(secondBus.published.length).toBeGreaterThan(0);
  });

  test('a stopping relay hands its untried rows back at once', async () => {
    const sent = envelopes(10, 'handover');
    await prisma.$transaction((tx) => writeOutbox(tx, ...sent));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = recordingBus();
    const stopping = relay({
      bus: {
        async publish(message) {
          await gate;
          await slow.bus.publish(message);
        },
      },
      leaseMs: 60_000,
    });
    stopping.kick();
    await vi.waitFor(async () => expect(await unpublishedCount(prisma)).toBe(10)); // claimed, first one in flight
    const stopped = stopping.stop();
    release();
    await stopped;

    const { bus, published } = recordingBus();
    await relay({ bus }).flush(); // no need to wait for the 60 s lease
    expect([...slow.published, ...published].map((message) => message.id)).toEqual(sent.map((message) => message.id));
  });

  test("handleOnce runs the work once per message, in the transaction of the service's own client", async () => {
    const message = createEnvelope('orders.order-placed', 'OrderPlaced', { orderId: 'o-1' });
    let runs = 0;
    const work = async (tx: Prisma.TransactionClient) => {
      runs += 1;
      await writeOutbox(tx, createEnvelope('inventory.stock-reserved', 'StockReserved', { orderId: 'o-1' }));
    };
    expect(
      await handleOnce(prisma, 'inventory.reservations', message, async (tx) => {
        expectTypeOf(tx).toHaveProperty('user'); // the accounts transaction client, not a bare SQL handle
        await work(tx);
      }),
    ).toBe('handled');
    expect(await handleOnce(prisma, 'inventory.reservations', message, work)).toBe('duplicate');
    expect(await handleOnce(prisma, 'another.consumer', message, work)).toBe('handled'); // each consumer once
    expect(runs).toBe(2);
    const [outbox] = await prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "OutboxMessage"`);
    expect(outbox?.n).toBe(2);
  });

  test('handleOnce rolls back the inbox row and the work when the work throws', async () => {
    const message = createEnvelope('orders.order-placed', 'OrderPlaced', { orderId: 'o-2' });
    const attempt = () =>
      handleOnce(prisma, 'inventory.reservations', message, async (tx) => {
        await writeOutbox(tx, createEnvelope('inventory.stock-reserved', 'StockReserved', { orderId: 'o-2' }));
        throw new Error('stock service hiccup');
      });
    await expect(attempt()).rejects.toThrow('stock service hiccup');
    const counts = await prisma.$queryRawUnsafe<{ inbox: number; outbox: number }[]>(
      `SELECT (SELECT count(*)::int FROM "InboxMessage") AS inbox, (SELECT count(*)::int FROM "OutboxMessage") AS outbox`,
    );
    expect(counts[0]).toEqual({ inbox: 0, outbox: 0 });
    expect(await handleOnce(prisma, 'inventory.reservations', message, async () => {})).toBe('handled'); // the redelivery
  });

  test('handleOnce lets one of two simultaneous deliveries do the work', async () => {
    const message = createEnvelope('payments.payment-captured', 'PaymentCaptured', { orderId: 'o-3' });
    let runs = 0;
    const deliver = (client: Client) =>
      handleOnce(client, 'orders.saga-replies', message, async (tx) => {
        runs += 1;
        await tx.$queryRawUnsafe('SELECT 1 FROM pg_sleep(0.05)');
      });
    const outcomes = await Promise.all([deliver(prisma), deliver(second)]);
    expect(outcomes.sort()).toEqual(['duplicate', 'handled']);
    expect(runs).toBe(1);
  });

  test('retention deletes published outbox rows and inbox records past the period, in batches, and keeps the rest', async () => {
    const DAY = 86_400_000;
    const old = envelopes(5, 'old-published');
    const recent = envelopes(2, 'recent-published');
    const waiting = envelopes(2, 'never-published');
    await prisma.$transaction((tx) => writeOutbox(tx, ...old, ...recent, ...waiting));
    const setPublished = (messages: Envelope[], ageMs: number) =>
      prisma.$queryRawUnsafe(
        `UPDATE "OutboxMessage" SET "publishedAt" = timezone('UTC', now()) - make_interval(secs => $2::float8 / 1000) WHERE "id" = ANY($1::uuid[])`,
        messages.map((m) => m.id),
        ageMs,
      );
    await setPublished(old, 8 * DAY);
    await setPublished(recent, DAY);
    // Unpublished rows are kept however old they are.
    await prisma.$queryRawUnsafe(
      `UPDATE "OutboxMessage" SET "occurredAt" = "occurredAt" - interval '30 days' WHERE "id" = ANY($1::uuid[])`,
      waiting.map((m) => m.id),
    );
    for (const message of [...old, ...recent]) await handleOnce(prisma, 'orders.saga-replies', message, async () => {});
    await prisma.$queryRawUnsafe(
      `UPDATE "InboxMessage" SET "processedAt" = "processedAt" - interval '8 days' WHERE "messageId" = ANY($1::uuid[])`,
      old.map((m) => m.id),
    );

    const pruned: [string, number][] = [];
    const retention = startMessageRetention({
      prisma,
      log,
      tables: { outbox: true, inbox: true },
      retentionMs: 7 * DAY,
      batchSize: 2,
      onPruned: (table, rows) => void pruned.push([table, rows]),
    });
    try {
      expect(await retention.sweep()).toEqual({ outbox: 5, inbox: 5 });
      expect(pruned).toEqual([
        ['outbox', 5],
        ['inbox', 5],
      ]);
      const outboxLeft = await prisma.$queryRawUnsafe<{ id: string }[]>(`SELECT "id"::text AS "id" FROM "OutboxMessage"`);
      expect(new Set(outboxLeft.map((row) => row.id))).toEqual(new Set([...recent, ...waiting].map((m) => m.id)));
      const inboxLeft = await prisma.$queryRawUnsafe<{ id: string }[]>(`SELECT "messageId"::text AS "id" FROM "InboxMessage"`);
      expect(new Set(inboxLeft.map((row) => row.id))).toEqual(new Set(recent.map((m) => m.id)));
      // A duplicate of a message whose record is still kept is still refused.
      expect(await handleOnce(prisma, 'orders.saga-replies', recent[0]!, async () => {})).toBe('duplicate');
      expect(await retention.sweep()).toEqual({ outbox: 0, inbox: 0 });
    } finally {
      await retention.stop();
    }
  });

  // Last: it drops the lease column, as in tables copied before the column was added.
  test('relays a table without the lease column (at least once, without claims)', async () => {
    await prisma.$queryRawUnsafe(`ALTER TABLE "OutboxMessage" DROP COLUMN "claimedUntil"`);
    const sent = envelopes(12, 'unleased');
    await prisma.$transaction((tx) => writeOutbox(tx, ...sent));
    const { bus, published } = recordingBus({ fail: (call) => call === 3 });
    const outbox = relay({ bus, batchSize: 5 });

    outbox.kick();
    await vi.waitFor(async () => expect(await unpublishedCount(prisma)).toBe(0), { timeout: 10_000, interval: 20 });
    expect(new Set(published.map((message) => message.id))).toEqual(new Set(sent.map((message) => message.id)));
  });
});
