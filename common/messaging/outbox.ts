// Transactional outbox: a service writes its business rows and the messages they cause in ONE
// database transaction, and a relay publishes the committed messages to the bus afterwards. A message
// is published at least once if and only if its transaction committed.
//
// Each publishing service takes the OutboxMessage model of prisma/messaging.prisma into its schema
// (`npm run prisma:messaging`). Services write rows through `outbox.transaction(...)`
// (outbox-publisher.ts), which kicks the relay after the commit.
//
// Relay semantics (details in outbox-store.ts):
// - A row is marked published only after the broker confirmed it; a failed publish leaves it for a
//   later round (per-row exponential backoff from `retryDelayMs`), never drops it.
// - Rows go out one at a time, oldest `occurredAt` first. A row that fails is retried later and may
//   then follow newer rows: consumers must not rely on strict order (redelivery reorders anyway).
// - Several replicas share the table: a claim leases rows to one relay (FOR UPDATE SKIP LOCKED), so in
//   practice each row is published once. No transaction is held while publishing.
// - After a pass that published nothing because publishing failed (the broker is down), the relay
//   waits (backoff up to 30 s) and ignores kick() meanwhile; it keeps trying on its own, so the outbox
//   drains once the broker is back.
import { JsonNull } from '@prisma/client/runtime/client';
import type { Logger } from '../logger.ts';
import { backoffDelay } from './backoff.ts';
import { parseEnvelope, type JsonValue } from './envelope-codec.ts';
import type { Envelope } from './envelope.ts';
import type { MessageBus } from './message-bus.ts';
import { DEFAULT_OUTBOX_LEASE_MS, oldestUnpublishedAgeMs, openOutboxStore, type OutboxRow, type OutboxStore } from './outbox-store.ts';
import type { RawSqlClient } from './raw-sql-client.ts';

/** `JsonValue` as Prisma takes it for a Json column: a top-level `null` must be `JsonNull`. */
export type OutboxJson = Exclude<JsonValue, null> | typeof JsonNull;

/** The `data` of `tx.outboxMessage.create({ data })` for any service's generated client. */
export interface OutboxRecord {
  readonly id: string;
  readonly routingKey: string;
  readonly type: string;
  readonly payload: OutboxJson;
  readonly headers: Readonly<Record<string, string>>;
  readonly occurredAt: Date;
}

/** Validates the envelope (a bad one fails the business transaction, not the relay later). */
export function outboxRecord(envelope: Envelope): OutboxRecord {
  const valid = parseEnvelope(envelope);
  return {
    id: valid.id,
    routingKey: valid.routingKey,
    type: valid.type,
    payload: valid.payload === null ? JsonNull : valid.payload,
    headers: valid.headers,
    occurredAt: new Date(valid.occurredAt),
  };
}

export interface OutboxRelayOptions {
  /** The service's generated client (any client with `$queryRawUnsafe`). */
  readonly prisma: RawSqlClient;
  readonly bus: Pick<MessageBus, 'publish'>;
  readonly log: Logger;
  /** How often to look for rows without being kicked (other replicas' rows, retries). Default 250 ms. */
  readonly pollIntervalMs?: number;
  /** Rows claimed per statement. Default 100. */
  readonly batchSize?: number;
  /** Wait after a row's first failed publish; doubles per failure, with jitter, up to 10 min. Default 1 s. */
  readonly retryDelayMs?: number;
  /**
   * How long a claim keeps other replicas off a row, renewed every third of it while the relay holds
   * the row: how late a dead relay's rows go out. Default DEFAULT_OUTBOX_LEASE_MS.
   */
  readonly leaseMs?: number;
}

export interface OutboxRelay {
  /** Publishes now instead of at the next poll (the publisher calls it after each commit). */
  kick(): void;
  /** Resolves after a full pass that started after the call (rows that fail stay for later). */
  flush(): Promise<void>;
  /** Stops polling and waits for the current pass; claimed rows not yet tried are released. */
  stop(): Promise<void>;
  /** Age in ms of the oldest unpublished row (0 when none): a gauge for metrics and alerts. */
  lagMs(): Promise<number>;
}

const MAX_RELAY_BACKOFF_MS = 30_000;

interface PassOutcome {
  readonly published: number;
  readonly failed: boolean;
}

export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { prisma, bus } = options;
  const log = options.log.child({ component: 'outbox-relay' });
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const batchSize = options.batchSize ?? 100;
  const retryDelayMs = options.retryDelayMs ?? 1_000;
  const leaseMs = options.leaseMs ?? DEFAULT_OUTBOX_LEASE_MS;

  let store: Promise<OutboxStore> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let failedPasses = 0;

  const openStore = () => {
    store ??= openOutboxStore(prisma, leaseMs).then(
      (opened) => {
        if (!opened.leased) {
          log.warn('"OutboxMessage" has no "claimedUntil" column (see prisma/messaging.prisma): relaying without claims, so several replicas may publish a row twice');
        }
        return opened;
      },
      (error: unknown) => {
        store = undefined; // look again next pass (e.g. migrations still running)
        throw error;
      },
    );
    return store;
  };

  const schedule = () => {
    clearTimeout(timer);
    const delayMs = failedPasses === 0 ? pollIntervalMs : backoffDelay(failedPasses, retryDelayMs, MAX_RELAY_BACKOFF_MS);
    timer = stopped ? undefined : setTimeout(() => void run(), delayMs);
  };

  function run(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (pass) {
      again = true; // the running pass goes round once more, and its promise covers that round
      return pass;
    }
    clearTimeout(timer);
    pass = (async () => {
      do {
        again = false;
        const outcome = await publishPending().catch((error: unknown): PassOutcome => {
          log.error({ err: error }, 'outbox pass failed');
          return { published: 0, failed: true };
        });
        // Back off only when nothing goes out (broker or database down); a row that fails among
        // others that succeed waits on its own (its `claimedUntil`).
        failedPasses = outcome.failed && outcome.published === 0 ? failedPasses + 1 : 0;
        if (outcome.failed) break;
      } while (again && !stopped);
    })().finally(() => {
      pass = undefined;
      schedule();
    });
    return pass;
  }

  /**
   * Runs `work` on claimed rows with their claim renewed every third of a lease until it ends (and
   * until a renewal in flight has landed, so none overwrites what follows: published, failed, released).
   */
  async function holding(outbox: OutboxStore, rows: readonly OutboxRow[], work: () => Promise<void>): Promise<void> {
    const ids = rows.map((row) => row.id);
    let renewal: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      renewal = renewal
        .then(() => outbox.renew(ids))
        .catch((error: unknown) => log.warn({ err: error }, 'renewing the claim on outbox rows failed: another relay may publish them too'));
    }, leaseMs / 3);
    try {
      await work();
    } finally {
      clearInterval(timer);
      await renewal;
    }
  }

  /** Publishes until nothing is claimable, or until a publish fails. */
  async function publishPending(): Promise<PassOutcome> {
    const outbox = await openStore();
    let total = 0;
    while (!stopped) {
      const rows = (await outbox.claim(batchSize)).sort(byOccurrence);
      if (rows.length === 0) break;
      const published: string[] = [];
      const unpublishable: OutboxRow[] = [];
      let failure: { row: OutboxRow; error: unknown } | undefined;
      let next = 0;
      await holding(outbox, rows, async () => {
        for (; next < rows.length && !stopped && !failure; next += 1) {
          const row = rows[next];
          if (!row) continue;
          let envelope: Envelope;
          try {
            envelope = parseEnvelope({ ...row, occurredAt: row.occurredAt.toISOString() });
          } catch (error) {
            log.error({ err: error, messageId: row.id }, 'outbox row is not a valid Envelope: retrying later');
            unpublishable.push(row);
            continue;
          }
          try {
            await bus.publish(envelope);
            published.push(row.id);
          } catch (error) {
            failure = { row, error };
          }
        }
      });
      await outbox.published(published);
      total += published.length;
      for (const row of failure ? [...unpublishable, failure.row] : unpublishable) {
        await outbox.failed(row.id, backoffDelay(row.attempts + 1, retryDelayMs));
      }
      await outbox.release(rows.slice(next).map((row) => row.id));
      if (failure) {
        log.warn({ err: failure.error, messageId: failure.row.id, attempts: failure.row.attempts + 1 }, 'publishing an outbox row failed: retrying later');
        return { published: total, failed: true };
      }
      if (rows.length < batchSize) break;
    }
    return { published: total, failed: false };
  }

  schedule();

  return {
    kick() {
      if (!stopped && failedPasses === 0) void run();
    },
    flush: () => run(),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await pass;
    },
    lagMs: () => oldestUnpublishedAgeMs(prisma),
  };
}

function byOccurrence(a: OutboxRow, b: OutboxRow): number {
  return a.occurredAt.getTime() - b.occurredAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
