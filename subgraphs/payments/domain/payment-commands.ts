import { type ChargePayment, PaymentCaptured, PaymentFailed, PaymentFailureReason, PaymentRefunded, type RefundPayment } from '../../../common/contracts/messages/index.ts';
import type { Logger } from '../../../common/logger.ts';
import { causeOf, type PayloadOf } from '../../../common/messaging/catalogue.ts';
import type { Envelope } from '../../../common/messaging/envelope.ts';
import type { Outbox, Publish } from '../../../common/messaging/outbox-publisher.ts';
import { Prisma, type Payment, type PrismaClient } from '../generated/prisma/client.ts';
import type { CardProcessor } from './processor/card-processor.ts';
import { chargeCard, refundCharge, type ChargeOutcome } from './processor/charge.ts';

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
  /** Where the replies are written, in the transaction that decides them. */
  readonly outbox: Outbox;
  readonly log: Logger;
}

// What the saga's commands to payments do. ChargePayment and RefundPayment are idempotent by state: an order has at most one Payment
// row (orderId is unique), and whatever a command finds there decides what it does. The bus acks
// only after the handler returns, so a crash at any point means a redelivery, which continues from
// the row's state:
//
// - ChargePayment. No row: insert PROCESSING, call the processor outside any transaction (the
//   embedded database serialises transactions), then one transaction records the outcome and
//   writes the reply to the outbox. PROCESSING (a crash mid-way): call the processor again with
//   the same idempotency key (the order id), which does not charge twice, and finish. CAPTURED,
//   DECLINED, FAILED, REFUNDED: the same reply again. VOIDED: PaymentFailed ORDER_VOIDED, never charge.
// - RefundPayment. CAPTURED: refund through the processor, then REFUNDED and the reply in one
//   transaction. No row: a VOIDED tombstone (so a late charge is refused) and PaymentRefunded with
//   no payment and amount 0. DECLINED, FAILED, VOIDED, REFUNDED: PaymentRefunded again. PROCESSING:
//   throws ChargeInProgressError, and the bus retries after the charge has finished.
//
// Replies carry the order id as `correlation-id`, and the command's `x-request-id` (and `traceparent`).
// A throw leaves the message unacked: the bus logs it and delivers it again after a backoff.

/** ChargePayment: charges the order once, whatever the deliveries (above). */
export async function chargePayment(dependencies: PaymentCommandDependencies, command: PayloadOf<typeof ChargePayment>, message: Envelope): Promise<void> {
  const { prisma, processor, processorTimeoutMs, outbox, log } = dependencies;
  const cause = causeOf(message);
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
    finished = await outbox.transaction(prisma, cause, async (tx, publish) => {
      const [updated] = await tx.payment.updateManyAndReturn({
        where: { id: payment.id, status: 'PROCESSING' },
        data: chargeOutcomeData(outcome),
      });
      // Not PROCESSING any more: a concurrent delivery finished first, and its outcome stands.
      const current = updated ?? (await tx.payment.findUniqueOrThrow({ where: { id: payment.id } }));
      chargeReply(publish, current);
      return current;
    });
    log.info({ orderId: command.orderId, paymentId: finished.id, status: finished.status, reason: finished.failureReason }, 'charge finished');
  } else if (payment.status === 'VOIDED') {
    // The order was refunded before it was charged: refuse, and note what was asked for.
    finished = await outbox.transaction(prisma, cause, async (tx, publish) => {
      const [claimed] = await tx.payment.updateManyAndReturn({
        where: { id: payment.id, status: 'VOIDED', customerId: null },
        data: { customerId: command.customerId, amount: command.amount, currency: command.currency, failureReason: 'ORDER_VOIDED' },
      });
      const current = claimed ?? payment;
      chargeReply(publish, current);
      return current;
    });
    log.info({ orderId: command.orderId, paymentId: finished.id }, 'charge refused: the order was voided before it was charged');
  } else {
    await outbox.transaction(prisma, cause, async (_tx, publish) => chargeReply(publish, payment));
  }
}

/** RefundPayment: refunds a captured charge, or voids the order before any charge (above). */
export async function refundPayment(dependencies: PaymentCommandDependencies, { orderId }: PayloadOf<typeof RefundPayment>, message: Envelope): Promise<void> {
  const { prisma, processor, processorTimeoutMs, outbox, log } = dependencies;
  const cause = causeOf(message);

  let tombstoned = false;
  const payment = await findOrInsert(prisma, orderId, () =>
    outbox.transaction(prisma, cause, async (tx, publish) => {
      const tombstone = await tx.payment.create({ data: { orderId, amount: 0, currency: VOIDED_CURRENCY, status: 'VOIDED' } });
      refundReply(publish, tombstone);
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
      await refundCharge(processor, { processorReference: payment.processorReference, amount: payment.amount, idempotencyKey: `${orderId}:refund` }, processorTimeoutMs);
    }
    const refunded = await outbox.transaction(prisma, cause, async (tx, publish) => {
      const [updated] = await tx.payment.updateManyAndReturn({
        where: { id: payment.id, status: 'CAPTURED' },
        data: { status: 'REFUNDED', refundedAt: new Date() },
      });
      const current = updated ?? (await tx.payment.findUniqueOrThrow({ where: { id: payment.id } }));
      refundReply(publish, current);
      return current;
    });
    log.info({ orderId, paymentId: refunded.id, amount: refunded.amount }, 'payment refunded');
  } else {
    await outbox.transaction(prisma, cause, async (_tx, publish) => refundReply(publish, payment));
  }
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

/** Publishes what a ChargePayment answers for a payment in this state. */
function chargeReply(publish: Publish, payment: Payment): void {
  switch (payment.status) {
    case 'CAPTURED':
    case 'REFUNDED': // captured, then refunded: the charge itself was captured
      return publish(PaymentCaptured, { orderId: payment.orderId, paymentId: payment.id, amount: payment.amount, currency: payment.currency });
    case 'DECLINED':
    case 'FAILED':
    case 'VOIDED':
      return publish(PaymentFailed, {
        orderId: payment.orderId,
        reason: payment.status === 'VOIDED' ? 'ORDER_VOIDED' : PaymentFailureReason.parse(payment.failureReason),
      });
    case 'PROCESSING':
      throw new Error(`payment ${payment.id} is still processing: no reply yet`);
  }
}

/** Publishes what a RefundPayment answers for a payment in this state. */
function refundReply(publish: Publish, payment: Payment): void {
  if (payment.status === 'PROCESSING' || payment.status === 'CAPTURED') {
    throw new Error(`payment ${payment.id} is ${payment.status}: not refunded yet`);
  }
  publish(PaymentRefunded, {
    orderId: payment.orderId,
    // A tombstone stands for "no payment": it has no id to report.
    paymentId: payment.status === 'VOIDED' ? null : payment.id,
    amount: payment.status === 'REFUNDED' ? payment.amount : 0,
  });
}
