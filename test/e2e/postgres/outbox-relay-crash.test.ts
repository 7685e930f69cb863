// A relay that dies mid-batch (SIGKILL while a publish waits for the broker) must not keep its rows
// from the bus for long: its claim is short and renewed only while it lives, so another relay publishes
// them within a lease (OUTBOX_CLAIM_LEASE_MS), not the minute a fixed claim used to hold them. While it
// lives, its renewed claim keeps them its own. On the real PostgreSQL, with the relay in a process of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../../common/database/schema-engine.ts';
import { createPrismaClient } from '../../../common/database/prisma-client.ts';
import { createLogger } from '../../../common/logger.ts';
import { createEnvelope } from '../../../common/messaging/envelope.ts';
import { outboxRecord, startOutboxRelay, type OutboxRelay } from '../../../common/messaging/outbox.ts';
import { databaseUrlVariable } from '../../../common/service/subgraph-config.ts';
import { PrismaClient } from '../../../subgraphs/orders/generated/prisma/client.ts';
import { createTestDatabases, type TestDatabases } from '../../support/test-databases.ts';
import { waitFor } from '../../support/wait-for.ts';

const root = resolve(import.meta.dirname, '../../..');
const LEASE_MS = 3_000;
// The test's own deadline for the dead relay's rows: well under the 60 s a claim used to last.
const DEADLINE_MS = 15_000;

let databases: TestDatabases;
let prisma: PrismaClient;
let child: ChildProcess | undefined;
let second: OutboxRelay | undefined;

beforeAll(async () => {
  databases = await createTestDatabases(['orders']);
  await applyMigrations({ service: 'orders', connectionString: databases.urls.orders });
  prisma = createPrismaClient(PrismaClient, { connectionString: databases.urls.orders });
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await second?.stop();
  await prisma?.$disconnect();
  await databases?.drop();
});

interface Claim {
  readonly id: string;
  readonly claimedUntil: Date | null;
  readonly publishedAt: Date | null;
  readonly now: Date;
}
const claims = () =>
  prisma.$queryRawUnsafe<Claim[]>(`SELECT "id", "claimedUntil", "publishedAt", timezone('UTC', now()) AS "now" FROM "OutboxMessage" ORDER BY "occurredAt", "id"`);

describe('an outbox relay killed mid-batch', () => {
  it('keeps its rows while it lives, and another relay publishes them within a lease of its death', async () => {
    const sent = [1, 2].map((n) => createEnvelope('orders.order-placed', 'OrderPlaced', { orderId: `crash-${n}` }));
    for (const envelope of sent) await prisma.outboxMessage.create({ data: outboxRecord(envelope) });

    let stdout = '';
    child = spawn(process.execPath, ['--import', 'tsx', 'test/support/outbox-relay-process.ts'], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', [databaseUrlVariable('orders')]: databases.urls.orders, OUTBOX_CLAIM_LEASE_MS: String(LEASE_MS) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((done) => child!.once('exit', (_code, signal) => done(signal)));

    // Mid-batch: the first row's publish waits for a confirm that never comes; both rows are claimed.
    await waitFor(
      async () => stdout,
      (out) => out.includes('publishing '),
      { what: 'the relay process to publish', timeoutMs: 60_000 },
    );
    const claimed = await claims();
    // Oldest first (the relay's order): both unpublished, the first one in flight.
    const order = claimed.map((row) => row.id);
    expect(stdout).toBe(`publishing ${order[0]}\n`);
    expect([...order].sort()).toEqual(sent.map((envelope) => envelope.id).sort());
    expect(claimed.every((row) => row.publishedAt === null && row.claimedUntil !== null)).toBe(true);
    const seenClaimedAt = claimed[0]!.now.getTime();

    // A second relay polls all along; the holder lives past two leases of its first claim.
    const published: string[] = [];
    second = startOutboxRelay({
      prisma,
      log: createLogger('test', 'silent'),
      leaseMs: LEASE_MS,
      bus: { publish: async (envelope) => void published.push(envelope.id) },
    });
    await waitFor(claims, (rows) => rows[0]!.now.getTime() > seenClaimedAt + 2 * LEASE_MS, { what: 'two leases to pass', timeoutMs: 60_000, intervalMs: 200 });
    // Past its first claim's end: only renewals kept the second relay off the rows.
    expect(published, 'a live relay keeps its claim').toEqual([]);

    const killedAt = performance.now();
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // Published: the broker confirmed (here, the second relay's bus took it) and the row says so.
    await waitFor(claims, (rows) => rows.every((row) => row.publishedAt !== null), {
      what: "the dead relay's rows to be published by another",
      timeoutMs: DEADLINE_MS,
      intervalMs: 50,
    });
    const waitedMs = performance.now() - killedAt;
    expect(published).toEqual(order);
    console.info(`the dead relay's ${sent.length} rows went out ${Math.round(waitedMs)} ms after the SIGKILL (lease ${LEASE_MS} ms)`);
  });
});
