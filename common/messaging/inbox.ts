// Idempotent consumers. The bus delivers at least once (redelivery after a crash, a lost ack, a relay
// publishing twice), so a consumer records each message id it has processed, in the same transaction as
// the work: the work and the record commit together or not at all.
//
// Each consuming service takes the InboxMessage model of prisma/messaging.prisma into its schema
// (`npm run prisma:messaging`). A handler that also publishes uses `outbox.handleOnce`
// (outbox-publisher.ts): the record, the work and the messages in one transaction.
//
// `consumer` names the handler (its queue name, say), so one message can be processed once by each of
// several handlers of the same service. Rows are never needed after redeliveries stop: the retention
// sweep (message-retention.ts) deletes them after MESSAGE_RETENTION_HOURS.
import type { Envelope } from './envelope.ts';
import type { RawSqlClient } from './raw-sql-client.ts';

/** The interactive `$transaction` of a generated client, with the transaction client it hands out. */
export interface InteractiveTransactions<Tx> {
  $transaction<R>(work: (tx: Tx) => Promise<R>, options?: TransactionOptions): PromiseLike<R>;
}

/** Prisma's interactive-transaction options: how long to wait for a connection, and to finish. */
export interface TransactionOptions {
  readonly maxWait?: number;
  readonly timeout?: number;
}

export type HandleOnceOutcome = 'handled' | 'duplicate';

/**
 * In one transaction: records `envelope.id` for `consumer` and runs `work(tx)`, or does nothing when
 * the record exists ('duplicate'). `work` writes its business rows (and outbox rows) through `tx`,
 * the service's own transaction client. When `work` throws, everything rolls back (the record too)
 * and the error propagates, so the bus retries the message.
 *
 * Two deliveries of one message at once are safe: the second insert waits for the first transaction
 * and then finds the record (or, if the first rolled back, does the work itself).
 */
export async function handleOnce<Tx extends RawSqlClient>(
  prisma: InteractiveTransactions<Tx>,
  consumer: string,
  envelope: Envelope,
  work: (tx: Tx) => Promise<void>,
): Promise<HandleOnceOutcome> {
  return prisma.$transaction(async (tx) => {
    if (!(await recordInInbox(tx, consumer, envelope.id))) return 'duplicate' as const;
    await work(tx);
    return 'handled' as const;
  });
}

/** Inserts the inbox record in the caller's transaction; false when it exists (the message was handled). */
export async function recordInInbox(tx: RawSqlClient, consumer: string, messageId: string): Promise<boolean> {
  const inserted = await tx.$queryRawUnsafe<unknown[]>(
    `INSERT INTO "InboxMessage" ("consumer", "messageId", "processedAt")
     VALUES ($1, $2::uuid, timezone('UTC', now()))
     ON CONFLICT DO NOTHING
     RETURNING 1 AS "inserted"`,
    consumer,
    messageId,
  );
  return inserted.length > 0;
}
