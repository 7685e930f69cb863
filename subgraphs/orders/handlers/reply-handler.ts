import { PaymentCaptured, PaymentFailed, StockReservationFailed, StockReserved } from '../../../common/contracts/messages/index.ts';
import type { Envelope } from '../../../common/messaging/envelope.ts';
import { consumer, on, type ConsumerDefinition } from '../../../common/messaging/consumer.ts';
import type { Outbox, Publish } from '../../../common/messaging/outbox-publisher.ts';
import type { Order, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { SagaMetrics, SagaProgress } from '../domain/saga/saga-metrics.ts';
import { cancel, compensateLate, confirm, startCharging } from '../domain/saga/transitions.ts';

export const SAGA_REPLY_QUEUE = 'orders.saga-replies';

export interface SagaReplyDependencies {
  readonly prisma: PrismaClient;
  readonly outbox: Outbox;
  readonly metrics: SagaMetrics;
  readonly stepTimeoutMs: number;
}

/** What one reply does to its order, in the reply's transaction; returns what it moved, if anything. */
type Step = (tx: Prisma.TransactionClient, publish: Publish, order: Order) => Promise<SagaProgress | undefined>;

/**
 * Drives the saga from the participants' replies. Each reply is handled once (inbox) and each
 * transition applies only from the state it expects, so duplicates and late replies change
 * nothing, except that a late success on a cancelled order is compensated.
 */
export function sagaReplies({ prisma, outbox, metrics, stepTimeoutMs }: SagaReplyDependencies): ConsumerDefinition {
  const handle = async (orderId: string, message: Envelope, step: Step): Promise<void> => {
    // What this reply moved, counted only once its transaction has committed (see below). The
    // cast keeps tsc from narrowing it to `undefined`: it is set inside the callback.
    let progress = undefined as SagaProgress | undefined;
    const outcome = await outbox.handleOnce(prisma, SAGA_REPLY_QUEUE, message, async (tx, publish) => {
      const order = await tx.order.findUnique({ where: { id: orderId } });
      progress = order ? await step(tx, publish, order) : undefined;
    });
    // A redelivery: its first delivery did (and counted) the work. Counted after the commit: a
    // rolled-back attempt is retried by the bus and must not count twice.
    if (outcome === 'handled' && progress) metrics.record(progress);
  };
  return consumer({
    queue: SAGA_REPLY_QUEUE,
    handlers: [
      on(StockReserved, ({ orderId }, message) =>
        handle(orderId, message, async (tx, publish, order) => {
          if (await startCharging(tx, publish, order, stepTimeoutMs)) return { step: 'reserve_stock', result: 'succeeded' };
          if (order.status === 'CANCELLED') compensateLate(publish, order, 'release');
          return undefined;
        }),
      ),
      on(StockReservationFailed, (reply, message) =>
        handle(reply.orderId, message, async (tx, publish, order) => {
          const cancelled = await cancel(tx, publish, order, { reason: reply.reason, from: { status: 'PENDING', sagaStep: 'RESERVING_STOCK' }, refund: false, release: false });
          return cancelled ? { step: 'reserve_stock', result: 'failed', outcome: 'cancelled' } : undefined;
        }),
      ),
      on(PaymentCaptured, ({ orderId }, message) =>
        handle(orderId, message, async (tx, publish, order) => {
          if (await confirm(tx, publish, order)) return { step: 'charge_payment', result: 'succeeded', outcome: 'confirmed' };
          if (order.status === 'CANCELLED') compensateLate(publish, order, 'refund');
          return undefined;
        }),
      ),
      on(PaymentFailed, (reply, message) =>
        handle(reply.orderId, message, async (tx, publish, order) => {
          const cancelled = await cancel(tx, publish, order, { reason: reply.reason, from: { status: 'PENDING', sagaStep: 'CHARGING_PAYMENT' }, refund: false, release: true });
          return cancelled ? { step: 'charge_payment', result: 'failed', outcome: 'cancelled' } : undefined;
        }),
      ),
    ],
  });
}
