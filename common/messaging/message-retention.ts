// Deletes what the outbox and the inbox no longer need: outbox rows published, and inbox records
// processed, longer ago than the retention period. Without it both tables grow for ever. An inbox
// record must outlive every redelivery of its message (broker retries end within minutes), so the
// period is days; a message replayed by hand from a dead-letter queue after it would be handled again.
// Deletes go in small batches (short locks, no long transaction), by the indexed timestamps.
import type { Logger } from '../logger.ts';
import type { RawSqlClient } from './raw-sql-client.ts';

export interface MessageRetentionOptions {
  readonly prisma: RawSqlClient;
  readonly log: Logger;
  /** Which of the two tables the service has. */
  readonly tables: { readonly outbox: boolean; readonly inbox: boolean };
  readonly retentionMs: number;
  /** Between sweeps. Default 10 min; the first runs one interval after start. */
  readonly intervalMs?: number;
  /** Rows per DELETE. Default 1,000. */
  readonly batchSize?: number;
  /** Told how many rows each sweep removed, per table (metrics). */
  readonly onPruned?: (table: 'outbox' | 'inbox', rows: number) => void;
}

export interface MessageRetention {
  /** One sweep now; resolves to the rows it removed. */
  sweep(): Promise<{ outbox: number; inbox: number }>;
  /** No sweep starts after this; a running one finishes first. */
  stop(): Promise<void>;
}

const deleteBatch = {
  outbox: `DELETE FROM "OutboxMessage" WHERE "id" IN (
             SELECT "id" FROM "OutboxMessage"
             WHERE "publishedAt" IS NOT NULL AND "publishedAt" < timezone('UTC', now()) - make_interval(secs => $1::float8 / 1000)
             LIMIT $2)
           RETURNING 1`,
  inbox: `DELETE FROM "InboxMessage" WHERE ("consumer", "messageId") IN (
            SELECT "consumer", "messageId" FROM "InboxMessage"
            WHERE "processedAt" < timezone('UTC', now()) - make_interval(secs => $1::float8 / 1000)
            LIMIT $2)
          RETURNING 1`,
} as const;

export function startMessageRetention(options: MessageRetentionOptions): MessageRetention {
  const { prisma, log, retentionMs, intervalMs = 600_000, batchSize = 1_000 } = options;
  let stopped = false;
  let running: Promise<{ outbox: number; inbox: number }> | undefined;

  const prune = async (table: 'outbox' | 'inbox'): Promise<number> => {
    let total = 0;
    for (;;) {
      const removed = (await prisma.$queryRawUnsafe<unknown[]>(deleteBatch[table], retentionMs, batchSize)).length;
      total += removed;
      if (removed < batchSize) break;
    }
    if (total > 0) options.onPruned?.(table, total);
    return total;
  };

  const sweep = () => {
    running ??= (async () => {
      try {
        const outbox = options.tables.outbox ? await prune('outbox') : 0;
        const inbox = options.tables.inbox ? await prune('inbox') : 0;
        if (outbox + inbox > 0) log.info({ outbox, inbox }, 'pruned old outbox and inbox rows');
        return { outbox, inbox };
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const timer = setInterval(() => {
    if (!stopped) sweep().catch((error: unknown) => log.warn({ err: error }, 'pruning old outbox and inbox rows failed: trying again next time'));
  }, intervalMs);
  timer.unref();

  return {
    sweep,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
