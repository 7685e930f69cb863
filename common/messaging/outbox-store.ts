// The relay's SQL on a service's "OutboxMessage" table. Every statement runs on its own (no interactive
// transaction): on the embedded PGlite a transaction holds the whole database, so none may span a publish.
//
// A relay claims a batch with one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED): rows are
// leased (`claimedUntil`) to that relay for `leaseMs`, renewed while it still holds them, publishing
// happens outside any transaction, and only the broker's confirm marks a row published. Another replica
// skips leased rows; a relay that dies mid-batch leaves its rows to be claimed again when the short
// lease ends (published twice at worst).
//
// Tables copied before the lease column existed still work, without claims: each relay then reads the
// oldest unpublished rows, and several replicas may publish a row twice (still at least once).
import type { RawSqlClient } from './raw-sql-client.ts';

/** Short, since a live relay renews it: after a crash its rows go out this much later at most. */
export const DEFAULT_OUTBOX_LEASE_MS = 3_000;

export interface OutboxRow {
  readonly id: string;
  readonly routingKey: string;
  readonly type: string;
  readonly payload: unknown;
  readonly headers: unknown;
  readonly occurredAt: Date;
  /** Publish attempts recorded so far. */
  readonly attempts: number;
}

export interface OutboxStore {
  /** Whether claims keep other relays off the rows (the table has `claimedUntil`). */
  readonly leased: boolean;
  /** Up to `limit` unpublished rows nobody holds, oldest first. */
  claim(limit: number): Promise<OutboxRow[]>;
  /** The broker confirmed these. */
  published(ids: readonly string[]): Promise<void>;
  /** Still held (publishing takes longer than a lease): their claim runs `leaseMs` from now. */
  renew(ids: readonly string[]): Promise<void>;
  /** Claimed but not tried (the relay stopped, or an earlier row failed): free them at once. */
  release(ids: readonly string[]): Promise<void>;
  /** Publishing failed: try again after `delayMs`. */
  failed(id: string, delayMs: number): Promise<void>;
}

// Prisma stores DateTime as UTC in `timestamp(3)` columns: compare and write in UTC whatever the session's TimeZone.
const NOW = `timezone('UTC', now())`;
const COLUMNS = `"id", "routingKey", "type", "payload", "headers", "occurredAt", "attempts"`;

export async function openOutboxStore(prisma: RawSqlClient, leaseMs: number): Promise<OutboxStore> {
  return (await hasLeaseColumn(prisma)) ? leasedStore(prisma, leaseMs) : unleasedStore(prisma);
}

async function hasLeaseColumn(prisma: RawSqlClient): Promise<boolean> {
  const rows = await prisma.$queryRawUnsafe<{ table: boolean; lease: boolean }[]>(
    `SELECT to_regclass('"OutboxMessage"') IS NOT NULL AS "table",
            EXISTS (SELECT 1 FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = 'OutboxMessage' AND column_name = 'claimedUntil') AS "lease"`,
  );
  const [row] = rows;
  if (!row?.table) throw new Error('The database has no "OutboxMessage" table (see prisma/messaging.prisma for the model)');
  return row.lease;
}

function leasedStore(prisma: RawSqlClient, leaseMs: number): OutboxStore {
  return {
    leased: true,
    claim: (limit) =>
      query<OutboxRow>(
        prisma,
        `UPDATE "OutboxMessage" SET "claimedUntil" = ${NOW} + $2::int * interval '1 millisecond'
         WHERE "id" IN (SELECT "id" FROM "OutboxMessage"
                        WHERE "publishedAt" IS NULL AND ("claimedUntil" IS NULL OR "claimedUntil" <= ${NOW})
                        ORDER BY "occurredAt", "id" LIMIT $1::int
                        FOR UPDATE SKIP LOCKED)
         RETURNING ${COLUMNS}`,
        limit,
        Math.ceil(leaseMs),
      ),
    published: (ids) => execute(prisma, ids, `UPDATE "OutboxMessage" SET "publishedAt" = ${NOW}, "attempts" = "attempts" + 1, "claimedUntil" = NULL WHERE "id" = ANY($1::uuid[])`),
    renew: async (ids) => {
      if (ids.length === 0) return;
      await query(
        prisma,
        `UPDATE "OutboxMessage" SET "claimedUntil" = ${NOW} + $2::int * interval '1 millisecond' WHERE "id" = ANY($1::uuid[]) AND "publishedAt" IS NULL`,
        [...ids],
        Math.ceil(leaseMs),
      );
    },
    release: (ids) => execute(prisma, ids, `UPDATE "OutboxMessage" SET "claimedUntil" = NULL WHERE "id" = ANY($1::uuid[])`),
    failed: async (id, delayMs) => {
      await query(
        prisma,
        `UPDATE "OutboxMessage" SET "attempts" = "attempts" + 1, "claimedUntil" = ${NOW} + $2::int * interval '1 millisecond' WHERE "id" = $1::uuid`,
        id,
        Math.ceil(delayMs),
      );
    },
  };
}

function unleasedStore(prisma: RawSqlClient): OutboxStore {
  // Without a column for it, the wait after a failure lives in this process only.
  const notBefore = new Map<string, number>();
  return {
    leased: false,
    claim: (limit) => {
      const now = Date.now();
      for (const [id, until] of notBefore) if (until <= now) notBefore.delete(id);
      return query<OutboxRow>(
        prisma,
        `SELECT ${COLUMNS} FROM "OutboxMessage" WHERE "publishedAt" IS NULL AND NOT ("id" = ANY($2::uuid[]))
         ORDER BY "occurredAt", "id" LIMIT $1::int`,
        limit,
        [...notBefore.keys()],
      );
    },
    published: (ids) => execute(prisma, ids, `UPDATE "OutboxMessage" SET "publishedAt" = ${NOW}, "attempts" = "attempts" + 1 WHERE "id" = ANY($1::uuid[])`),
    renew: async () => {},
    release: async () => {},
    failed: async (id, delayMs) => {
      notBefore.set(id, Date.now() + delayMs);
      await query(prisma, `UPDATE "OutboxMessage" SET "attempts" = "attempts" + 1 WHERE "id" = $1::uuid`, id);
    },
  };
}

/** Age in ms of the oldest unpublished row, 0 when there is none. */
export async function oldestUnpublishedAgeMs(prisma: RawSqlClient): Promise<number> {
  const [row] = await query<{ ageMs: number }>(
    prisma,
    `SELECT COALESCE(EXTRACT(EPOCH FROM ${NOW} - min("occurredAt")) * 1000, 0)::float8 AS "ageMs"
     FROM "OutboxMessage" WHERE "publishedAt" IS NULL`,
  );
  return Math.max(0, row?.ageMs ?? 0);
}

async function query<T>(prisma: RawSqlClient, sql: string, ...values: unknown[]): Promise<T[]> {
  return prisma.$queryRawUnsafe<T[]>(sql, ...values);
}

async function execute(prisma: RawSqlClient, ids: readonly string[], sql: string): Promise<void> {
  if (ids.length > 0) await query(prisma, sql, [...ids]);
}
