// A database that cannot take the work in time is load, not a bug: the client gets the retryable
// SERVICE_UNAVAILABLE (never INTERNAL_SERVER_ERROR), and nothing was written. Real errors from Prisma
// and node-postgres on the embedded PGlite, through the formatError every service uses.
import { ApolloServer } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '../../subgraphs/orders/generated/prisma/client.ts';
import { ErrorCode } from '../errors.ts';
import { maskUnexpectedErrors } from '../plugins/mask-errors.ts';
import { loadGatewayConfig } from '../../gateway/config.ts';
import { testTiming } from '../../test/support/test-timing.ts';
import { waitFor } from '../../test/support/wait-for.ts';
import { loadSubgraphConfig } from '../service/subgraph-config.ts';
import { isDatabaseBusy } from './database-busy.ts';
import { IN_MEMORY, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';
import { createPrismaClient } from './prisma-client.ts';

let database: EmbeddedPostgres;
const clients: PrismaClient[] = [];
const client = (options: { maxConnections?: number; acquireTimeoutMs?: number; transactionTimeoutMs?: number } = {}) => {
  const prisma = createPrismaClient(PrismaClient, { connectionString: database.connectionString, ...options });
  clients.push(prisma);
  return prisma;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Patient enough for a loaded machine: only the work under test is impatient. */
const patient = { maxWait: testTiming.conditionMs, timeout: testTiming.conditionMs };

/** A transaction that holds its connection (on PGlite: the whole database) until `release()`. */
async function holdTransaction(prisma: PrismaClient) {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding = false;
  const done = prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`INSERT INTO probe (note) VALUES ('holder')`);
    holding = true;
    await released;
  }, patient);
  await waitFor(
    async () => holding,
    (held) => held,
    { what: 'the holding transaction to begin' },
  );
  return async () => {
    release();
    await done;
  };
}
/** Opens the pool's connections before the test needs them (opening one may be slow on a loaded machine). */
const warm = (prisma: PrismaClient) =>
  waitFor(
    () =>
      prisma.$queryRawUnsafe('SELECT 1').then(
        () => true,
        () => false,
      ),
    (ok) => ok,
    { what: 'a first connection' },
  );

/** What a client sees when a resolver fails with `error`: a real Apollo Server with the services' formatError. */
async function seenByClient(error: unknown): Promise<GraphQLFormattedError> {
  const server = new ApolloServer({
    typeDefs: 'type Query { placeOrder: Boolean }',
    resolvers: { Query: { placeOrder: () => Promise.reject(error) } },
    formatError: maskUnexpectedErrors(),
  });
  await server.start();
  try {
    const response = await server.executeOperation({ query: '{ placeOrder }' });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    const [first] = response.body.singleResult.errors ?? [];
    if (!first) throw new Error('expected an error');
    return first;
  } finally {
    await server.stop();
  }
}
const failureOf = async (work: Promise<unknown>): Promise<unknown> => {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected the work to fail');
};

beforeAll(async () => {
  database = await startEmbeddedPostgres({ dataDir: IN_MEMORY });
  await client().$executeRawUnsafe('CREATE TABLE probe (id serial PRIMARY KEY, note text NOT NULL)');
});
afterAll(async () => {
  await Promise.all(clients.map((prisma) => prisma.$disconnect()));
  await database?.close();
});

describe('a saturated database', () => {
  it('maps a transaction that cannot start in time (Prisma P2028) to SERVICE_UNAVAILABLE', async () => {
    const prisma = client();
    // PGlite runs one transaction at a time: while this one is open, no other can begin.
    const release = await holdTransaction(prisma);
    let error: unknown;
    try {
      error = await failureOf(prisma.$transaction((tx) => tx.$executeRawUnsafe(`INSERT INTO probe (note) VALUES ('never started')`), { maxWait: 300 }));
    } finally {
      await release();
    }

    expect((error as { code?: string }).code).toBe('P2028');
    expect((error as Error).message).toContain('Unable to start a transaction in the given time');
    expect(isDatabaseBusy(error)).toBe(true);
    expect(await seenByClient(error)).toEqual({
      message: 'The service is busy; nothing was changed. Try again shortly.',
      path: ['placeOrder'],
      locations: [{ line: 1, column: 3 }],
      extensions: { code: ErrorCode.serviceUnavailable },
    });
    expect(await prisma.$queryRawUnsafe(`SELECT note FROM probe WHERE note = 'never started'`)).toEqual([]);
  });

  it('maps waiting too long for a pooled connection to SERVICE_UNAVAILABLE', async () => {
    const prisma = client({ maxConnections: 1, acquireTimeoutMs: 300 });
    await warm(prisma);
    const release = await holdTransaction(prisma);
    let error: unknown;
    try {
      error = await failureOf(prisma.$executeRawUnsafe(`INSERT INTO probe (note) VALUES ('no connection')`));
    } finally {
      await release();
    }

    expect(isDatabaseBusy(error)).toBe(true);
    expect((await seenByClient(error)).extensions?.['code']).toBe(ErrorCode.serviceUnavailable);
    expect(await prisma.$queryRawUnsafe(`SELECT note FROM probe WHERE note = 'no connection'`)).toEqual([]);
  });

  it('maps a transaction rolled back for outliving its timeout to SERVICE_UNAVAILABLE, its writes undone', async () => {
    const prisma = client({ transactionTimeoutMs: 200 });
    const error = await failureOf(
      prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`INSERT INTO probe (note) VALUES ('rolled back')`);
        await sleep(600);
        await tx.$executeRawUnsafe(`INSERT INTO probe (note) VALUES ('too late')`);
      }),
    );
    expect(isDatabaseBusy(error)).toBe(true);
    expect((await seenByClient(error)).extensions?.['code']).toBe(ErrorCode.serviceUnavailable);
    expect(await prisma.$queryRawUnsafe(`SELECT note FROM probe WHERE note IN ('rolled back', 'too late')`)).toEqual([]);
  });

  it('still masks anything else as INTERNAL_SERVER_ERROR, and passes deliberate errors through', async () => {
    const prisma = client();
    const error = await failureOf(prisma.$executeRawUnsafe('INSERT INTO probe (note) VALUES (NULL)'));
    expect(isDatabaseBusy(error)).toBe(false);
    expect(await seenByClient(error)).toEqual({
      message: 'Internal server error.',
      path: ['placeOrder'],
      locations: [{ line: 1, column: 3 }],
      extensions: { code: ErrorCode.internal },
    });
    expect((await seenByClient(new Error('timeout exceeded when trying to connect, or not'))).extensions?.['code']).toBe(ErrorCode.internal);
    const deliberate = new GraphQLError('No such thing.', { extensions: { code: ErrorCode.notFound } });
    expect(await seenByClient(deliberate)).toMatchObject({ message: 'No such thing.', extensions: { code: ErrorCode.notFound } });
  });

  it("queues transactions on PGlite as long as DB_ACQUIRE_TIMEOUT_MS says, past Prisma's own 2 s", async () => {
    const config = loadSubgraphConfig('orders', { DB_ACQUIRE_TIMEOUT_MS: String(testTiming.databaseAcquireTimeoutMs) });
    const prisma = client({
      maxConnections: config.databasePoolSize,
      acquireTimeoutMs: config.databaseAcquireTimeoutMs,
      transactionTimeoutMs: config.databaseTransactionTimeoutMs,
    });
    // Twelve transactions of 250 ms each, one at a time: the last waits at least 2.75 s to begin.
    const notes = Array.from({ length: 12 }, (_, i) => `queued ${i}`);
    await Promise.all(
      notes.map((note) =>
        prisma.$transaction(async (tx) => {
          await tx.$executeRawUnsafe('INSERT INTO probe (note) VALUES ($1)', note);
          await sleep(250);
        }),
      ),
    );
    const rows = await prisma.$queryRawUnsafe<{ note: string }[]>(`SELECT note FROM probe WHERE note LIKE 'queued %' ORDER BY id`);
    expect(rows.map((row) => row.note).sort()).toEqual([...notes].sort());
  });

  it("by default, a service queues for 8 s: past Prisma's 2 s, and answers before the gateway gives up on it", () => {
    const waitMs = loadSubgraphConfig('orders', {}).databaseAcquireTimeoutMs;
    expect(waitMs).toBe(8_000);
    expect(waitMs).toBeLessThan(loadGatewayConfig({}).subgraphTimeoutMs);
  });
});
