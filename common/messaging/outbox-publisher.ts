// Publishing from a service: catalogue messages written to the outbox in the transaction of the work
// that causes them, and the relay kicked once that transaction has committed. Call sites neither build
// envelopes nor headers nor kick: `publish(Message, payload)` inside `outbox.transaction(...)`.
//
//   await outbox.transaction(prisma, { requestId }, async (tx, publish) => {
//     const order = await tx.order.create({ ... });
//     publish(OrderPlaced, { orderId: order.id, ... }); // checked by the schema now: a bad payload throws, nothing commits
//   }); // committed: the relay publishes at once
//
// A handler of a message passes the message as the cause (`causeOf(message)`, or `outbox.handleOnce`,
// which also records it in the inbox), so what it publishes carries the request id, correlation and
// trace of what it handles.
import { causeOf, createMessage, type MessageCause, type MessageDefinition, type PayloadInput } from './catalogue.ts';
import type { Envelope } from './envelope.ts';
import { recordInInbox, type HandleOnceOutcome, type InteractiveTransactions, type TransactionOptions } from './inbox.ts';
import { outboxRecord } from './outbox.ts';
import type { RawSqlClient } from './raw-sql-client.ts';

/** Adds a message to the transaction's outbox rows; throws InvalidMessageError for a payload its schema refuses. */
export type Publish = <M extends MessageDefinition>(message: M, payload: PayloadInput<M>) => void;

export interface Outbox {
  /**
   * Runs `work` in one transaction of `prisma`. What it publishes is written to the outbox in that
   * transaction, after `work` returns, and the relay is kicked after the commit (not after a rollback).
   */
  transaction<Tx extends RawSqlClient, R>(
    prisma: InteractiveTransactions<Tx>,
    cause: MessageCause,
    work: (tx: Tx, publish: Publish) => Promise<R>,
    options?: TransactionOptions,
  ): Promise<R>;
  /**
   * `transaction` for a handler of `message`: records it in the inbox for `consumer` in the same
   * transaction, or does nothing when it is there ('duplicate'); the message is the cause.
   */
  handleOnce<Tx extends RawSqlClient>(
    prisma: InteractiveTransactions<Tx>,
    consumer: string,
    message: Envelope,
    work: (tx: Tx, publish: Publish) => Promise<void>,
  ): Promise<HandleOnceOutcome>;
  /** One message in a statement (so a transaction) of its own, then the kick. */
  publish<M extends MessageDefinition>(client: RawSqlClient, cause: MessageCause, message: M, payload: PayloadInput<M>): Promise<void>;
}

/** `kick` starts a relay pass (the relay's own `kick`); a service without a relay passes a no-op. */
export function createOutbox(kick: () => void): Outbox {
  const transaction: Outbox['transaction'] = async (prisma, cause, work, options) => {
    let written = 0;
    const result = await prisma.$transaction(async (tx) => {
      const pending: Envelope[] = [];
      let open = true;
      const publish: Publish = (message, payload) => {
        if (!open) throw new Error(`${message.type} published after its transaction's work ended`);
        pending.push(createMessage(message, payload, cause));
      };
      const value = await work(tx, publish);
      open = false;
      await writeOutbox(tx, pending);
      written = pending.length;
      return value;
    }, options);
    if (written > 0) kick();
    return result;
  };
  return {
    transaction,
    async handleOnce(prisma, consumer, message, work) {
      return transaction(prisma, causeOf(message), async (tx, publish) => {
        if (!(await recordInInbox(tx, consumer, message.id))) return 'duplicate' as const;
        await work(tx, publish);
        return 'handled' as const;
      });
    },
    async publish(client, cause, message, payload) {
      await writeOutbox(client, [createMessage(message, payload, cause)]);
      kick();
    },
  };
}

/**
 * Inserts outbox rows in one statement. Raw SQL, so one implementation serves every service's client;
 * `occurredAt` is stored in UTC like Prisma's DateTime columns.
 */
export async function writeOutbox(client: RawSqlClient, envelopes: readonly Envelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  const rows = envelopes.map((envelope) => {
    const record = outboxRecord(envelope); // refuses what is not a JSON Envelope
    return { ...record, payload: envelope.payload, occurredAt: record.occurredAt.toISOString() };
  });
  await client.$queryRawUnsafe(
    `INSERT INTO "OutboxMessage" ("id", "routingKey", "type", "payload", "headers", "occurredAt")
     SELECT m."id", m."routingKey", m."type", COALESCE(m."payload", 'null'::jsonb), m."headers", timezone('UTC', m."occurredAt")
     FROM jsonb_to_recordset($1::jsonb) AS m("id" uuid, "routingKey" text, "type" text, "payload" jsonb, "headers" jsonb, "occurredAt" timestamptz)`,
    JSON.stringify(rows),
  );
}
