import {
  ChargePayment,
  PaymentCaptured,
  PaymentFailed,
  PaymentFailureReason,
  PaymentRefunded,
  RefundPayment,
  SagaRoutes,
} from '../../../common/contracts/order-saga.ts';
import type { Logger } from '../../../common/logger.ts';
import { createEnvelope, type Envelope } from '../../../common/messaging/envelope.ts';
import type { ConsumeOptions, MessageBus, MessageHandler } from '../../../common/messaging/message-bus.ts';
import { outboxRecord } from '../../../common/messaging/outbox.ts';
import type { BackgroundWorker, OutboxPublisher } from '../../../common/service/subgraph-module.ts';
import { Prisma, type Payment, type PrismaClient } from '../generated/prisma/client.ts';
import type { CardProcessor } from '../processor/card-processor.ts';
import { chargeCard, refundCharge, type ChargeOutcome } from '../processor/charge.ts';

/** The queue of the saga's commands to payments. */
export const PAYMENT_COMMANDS_QUEUE = 'payments.commands';
export const PAYMENT_COMMAND_BINDINGS = [SagaRoutes.chargePayment, SagaRoutes.refundPayment] as const;

/**
 * A refund that finds its charge still in progress is retried until the charge ends: the retries
 * (250 ms doubling, 10 deliveries: about two minutes) outlast a charge's two bounded processor
 * calls many times over.
 */
export const PAYMENT_COMMANDS_CONSUME_OPTIONS: ConsumeOptions = { maxAttempts: 10, retryDelayMs: 250 };

/** A tombstone has no amount of its own: 0 in ISO-4217's "no currency". */
export const VOIDED_CURRENCY = 'XXX';

/** Thrown for a RefundPayment whose charge is still PROCESSING, so the bus delivers it again later. */
export class ChargeInProgressError extends Error {
  constructor(readonly orderId: string) {
    super(`the charge of order ${orderId} is still in progress; the refund waits for it`);
    this.name = 'ChargeInProgressError';
  }
}

export interface PaymentCommandDependencies {
  readonly prisma: PrismaClient;
  readonly processor: CardProcessor;
  /** Bound on each processor call (PAYMENT_PROCESSOR_TIMEOUT_MS). */
  readonly processorTimeoutMs: number;
  /** Publishes the replies written to the outbox at once instead of at the relay's next poll. */
  readonly outbox: OutboxPublisher;
  readonly log: Logger;
}

type Transaction = Prisma.TransactionClient;

/**
 * Handles ChargePayment and RefundPayment, idempotent by state: an order has at most one Payment
 * row (orderId is unique), and whatever a command finds there decides what it does. The bus acks
 * only after the handler returns, so a crash at any point means a redelivery, which continues from
 * the row's state:
 *
 * - ChargePayment. No row: insert PROCESSING, call the processor outside any transaction (the
 *   embedded database serialises transactions), then one transaction records the outcome and
 *   writes the reply to the outbox. PROCESSING (a crash mid-way): call the processor again with
 *   the same idempotency key (the order id), which does not charge twice, and finish. CAPTURED,
 *   DECLINED, FAILED, REFUNDED: the same reply again. VOIDED: PaymentFailed ORDER_VOIDED, never charge.
 * - RefundPayment. CAPTURED: refund through the processor, then REFUNDED and the reply in one
 *   transaction. No row: a VOIDED tombstone (so a late charge is refused) and PaymentRefunded with
 *   no payment and amount 0. DECLINED, FAILED, VOIDED, REFUNDED: PaymentRefunded again. PROCESSING:
 *   throws ChargeInProgressError, and the bus retries after the charge has finished.
 *
 * Replies carry the command's `correlation-id` (the order id) and `x-request-id` (and `traceparent`).
 */
export function createPaymentCommandHandler(dependencies: PaymentCommandDependencies): MessageHandler {
  // A throw leaves the message unacked: the bus logs it and delivers it again after a backoff.
  return async (message) => {
    switch (message.routingKey) {
      case SagaRoutes.chargePayment:
        return handleChargePayment(dependencies, message);
      case SagaRoutes.refundPayment:
        return handleRefundPayment(dependencies, message);
      default:
        throw new Error(`payments got an unexpected command ${message.routingKey}`);
    }
  };
}

/** Consumes `payments.commands` until stopped. */
export async function startPaymentCommandConsumer(
  bus: MessageBus,
  dependencies: PaymentCommandDependencies,
  options: ConsumeOptions = PAYMENT_COMMANDS_CONSUME_OPTIONS,
): Promise<BackgroundWorker> {
  const consumer = await bus.consume(PAYMENT_COMMANDS_QUEUE, PAYMENT_COMMAND_BINDINGS, createPaymentCommandHandler(dependencies), options);
  return { stop: () => consumer.cancel() };
}

async function handleChargePayment(dependencies: PaymentCommandDependencies, message: Envelope): Promise<void> {
  const { prisma, processor, processorTimeoutMs, outbox, log } = dependencies;
  const command = ChargePayment.parse(message.payload);
  const payment = await findOrInsert(prisma, command.orderId, () =>
    prisma.payment.create({
      data: {
        orderId: command.orderId,
        customerId: command.customerId,
        amount: command.amount,
        currency: command.currency,
        status: 'PROCESSING',
      },
    }),
  );

  let finished: Payment;
  if (payment.status === 'PROCESSING') {
    // The recorded amount is charged; the processor refuses the same key with other parameters.
    const outcome = await chargeCard(
      processor,
      { amount: payment.amount, currency: payment.currency, paymentToken: command.paymentToken, idempotencyKey: command.orderId },
      processorTimeoutMs,
    );
    finished = await prisma.$transaction(async (tx) => {
      const [updated] = await tx.payment.updateManyAndReturn({
        where: { id: payment.id, status: 'PROCESSING' },
        data: chargeOutcomeData(outcome),
      });
      // Not PROCESSING any more: a concurrent delivery finished first, and its outcome stands.
      const current = updated ?? (await tx.payment.findUniqueOrThrow({ where: { id: payment.id } }));
      await writeReply(tx, chargeReply(current), message, command.orderId);
      return current;
    });
    log.info({ orderId: command.orderId, paymentId: finished.id, status: finished.status, reason: finished.failureReason }, 'charge finished');
  } else if (payment.status === 'VOIDED') {
    // The order was refunded before it was charged: refuse, and note what was asked for.
    finished = await prisma.$transaction(async (tx) => {
      const [claimed] = await tx.payment.updateManyAndReturn({
        where: { id: payment.id, status: 'VOIDED', customerId: null },
        data: { customerId: command.customerId, amount: command.amount, currency: command.currency, failureReason: 'ORDER_VOIDED' },
      });
      const current = claimed ?? payment;
      await writeReply(tx, chargeReply(current), message, command.orderId);
      return current;
    });
    log.info({ orderId: command.orderId, paymentId: finished.id }, 'charge refused: the order was voided before it was charged');
  } else {
    await prisma.$transaction((tx) => writeReply(tx, chargeReply(payment), message, command.orderId));
  }
  outbox.kick();
}

async function handleRefundPayment(dependencies: PaymentCommandDependencies, message: Envelope): Promise<void> {
  const { prisma, processor, processorTimeoutMs, outbox, log } = dependencies;
  const { orderId } = RefundPayment.parse(message.payload);

  let tombstoned = false;
  const payment = await findOrInsert(prisma, orderId, () =>
    prisma.$transaction(async (tx) => {
      const tombstone = await tx.payment.create({ data: { orderId, amount: 0, currency: VOIDED_CURRENCY, status: 'VOIDED' } });
      await writeReply(tx, refundReply(tombstone), message, orderId);
      tombstoned = true;
      return tombstone;
    }),
  );

  if (tombstoned) {
    log.info({ orderId, paymentId: payment.id }, 'refund before any charge: the order is voided');
  } else if (payment.status === 'PROCESSING') {
    throw new ChargeInProgressError(orderId);
  } else if (payment.status === 'CAPTURED') {
    if (payment.processorReference === null) throw new Error(`captured payment ${payment.id} has no processor reference`);
    if (payment.amount > 0) {
      await refundCharge(
        processor,
        { processorReference: payment.processorReference, amount: payment.amount, idempotencyKey: `${orderId}:refund` },
        processorTimeoutMs,
      );
    }
    const refunded = await prisma.$transaction(async (tx) => {
      const [updated] = await tx.payment.updateManyAndReturn({
        where: { id: payment.id, status: 'CAPTURED' },
        data: { status: 'REFUNDED', refundedAt: new Date() },
      });
      const current = updated ?? (await tx.payment.findUniqueOrThrow({ where: { id: payment.id } }));
      await writeReply(tx, refundReply(current), message, orderId);
      return current;
    });
    log.info({ orderId, paymentId: refunded.id, amount: refunded.amount }, 'payment refunded');
  } else {
    await prisma.$transaction((tx) => writeReply(tx, refundReply(payment), message, orderId));
  }
  outbox.kick();
}

/** The order's payment row, inserted by `insert` when there is none (a concurrent insert wins the race). */
async function findOrInsert(prisma: PrismaClient, orderId: string, insert: () => Promise<Payment>): Promise<Payment> {
  const existing = await prisma.payment.findUnique({ where: { orderId } });
  if (existing) return existing;
  try {
    return await insert();
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      return prisma.payment.findUniqueOrThrow({ where: { orderId } });
    }
    throw error;
  }
}

function chargeOutcomeData(outcome: ChargeOutcome): Prisma.PaymentUpdateManyMutationInput {
  if (outcome.status === 'CAPTURED') {
    return { status: 'CAPTURED', processorReference: outcome.processorReference, cardLast4: outcome.cardLast4, failureReason: null };
  }
  return { status: outcome.status, failureReason: outcome.reason, cardLast4: outcome.cardLast4 };
}

interface Reply {
  readonly routingKey: string;
  readonly type: string;
  readonly payload: unknown;
}

/** What a ChargePayment answers for a payment in this state. */
function chargeReply(payment: Payment): Reply {
  switch (payment.status) {
    case 'CAPTURED':
    case 'REFUNDED': // captured, then refunded: the charge itself was captured
      return {
        routingKey: SagaRoutes.paymentCaptured,
        type: 'PaymentCaptured',
        payload: PaymentCaptured.parse({ orderId: payment.orderId, paymentId: payment.id, amount: payment.amount, currency: payment.currency }),
      };
    case 'DECLINED':
    case 'FAILED':
    case 'VOIDED':
      return {
        routingKey: SagaRoutes.paymentFailed,
        type: 'PaymentFailed',
        payload: PaymentFailed.parse({
          orderId: payment.orderId,
          reason: payment.status === 'VOIDED' ? 'ORDER_VOIDED' : PaymentFailureReason.parse(payment.failureReason),
        }),
      };
    case 'PROCESSING':
      throw new Error(`payment ${payment.id} is still processing: no reply yet`);
  }
}

/** What a RefundPayment answers for a payment in this state. */
function refundReply(payment: Payment): Reply {
  if (payment.status === 'PROCESSING' || payment.status === 'CAPTURED') {
    throw new Error(`payment ${payment.id} is ${payment.status}: not refunded yet`);
  }
  return {
    routingKey: SagaRoutes.paymentRefunded,
    type: 'PaymentRefunded',
    payload: PaymentRefunded.parse({
      orderId: payment.orderId,
      // A tombstone stands for "no payment": it has no id to report.
      paymentId: payment.status === 'VOIDED' ? null : payment.id,
      amount: payment.status === 'REFUNDED' ? payment.amount : 0,
    }),
  };
}

const CARRIED_HEADERS = ['x-request-id', 'traceparent'] as const;

/** Writes a reply to the outbox in the caller's transaction, with the command's context headers. */
async function writeReply(tx: Transaction, reply: Reply, command: Envelope, orderId: string): Promise<void> {
  const headers: Record<string, string> = { 'correlation-id': command.headers['correlation-id'] ?? orderId };
  for (const name of CARRIED_HEADERS) {
    const value = command.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  await tx.outboxMessage.create({ data: outboxRecord(createEnvelope(reply.routingKey, reply.type, reply.payload, headers)) });
}
