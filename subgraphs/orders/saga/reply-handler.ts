import {
  PaymentCaptured,
  PaymentFailed,
  SagaRoutes,
  StockReservationFailed,
  StockReserved,
} from '../../../common/contracts/order-saga.ts';
import type { Envelope } from '../../../common/messaging/envelope.ts';
import { handleOnce } from '../../../common/messaging/inbox.ts';
import type { Logger } from '../../../common/logger.ts';
import type { OutboxPublisher } from '../../../common/service/subgraph-module.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { SagaMetrics, SagaProgress } from './saga-metrics.ts';
import { cancel, compensateLate, confirm, startCharging } from './transitions.ts';

export const SAGA_REPLY_QUEUE = 'orders.saga-replies';
export const SAGA_REPLY_BINDINGS = [
  SagaRoutes.stockReserved,
  SagaRoutes.stockReservationFailed,
  SagaRoutes.paymentCaptured,
  SagaRoutes.paymentFailed,
] as const;

export interface SagaReplyDependencies {
  readonly prisma: PrismaClient;
  readonly outbox: OutboxPublisher;
  readonly log: Logger;
  readonly metrics: SagaMetrics;
  readonly stepTimeoutMs: number;
}

/**
 * Drives the saga from the participants' replies. Each reply is handled once (inbox) and each
 * transition applies only from the state it expects, so duplicates and late replies change
 * nothing, except that a late success on a cancelled order is compensated.
 */
export function createSagaReplyHandler({ prisma, outbox, log, metrics, stepTimeoutMs }: SagaReplyDependencies) {
  return async (message: Envelope): Promise<void> => {
    const trace = { requestId: message.headers['x-request-id'] ?? message.id };
    // What this reply moved, counted only once its transaction has committed (see below). The
    // cast keeps tsc from narrowing it to `undefined`: it is set inside the callback.
    let progress = undefined as SagaProgress | undefined;
    const outcome = await handleOnce(prisma, SAGA_REPLY_QUEUE, message, async (tx) => {
      progress = undefined;
      const orderIdOf = (payload: { orderId: string }) => payload.orderId;
      switch (message.routingKey) {
        case SagaRoutes.stockReserved: {
          const order = await tx.order.findUnique({ where: { id: orderIdOf(StockReserved.parse(message.payload)) } });
          if (!order) return;
          if (await startCharging(tx, order, stepTimeoutMs, trace)) progress = { step: 'reserve_stock', result: 'succeeded' };
          else if (order.status === 'CANCELLED') await compensateLate(tx, order, 'release', trace);
          return;
        }
        case SagaRoutes.stockReservationFailed: {
          const reply = StockReservationFailed.parse(message.payload);
          const order = await tx.order.findUnique({ where: { id: reply.orderId } });
          if (!order) return;
          if (await cancel(tx, order, { reason: reply.reason, from: { status: 'PENDING', sagaStep: 'RESERVING_STOCK' }, refund: false, release: false }, trace)) {
            progress = { step: 'reserve_stock', result: 'failed', outcome: 'cancelled' };
          }
          return;
        }
        case SagaRoutes.paymentCaptured: {
          const order = await tx.order.findUnique({ where: { id: orderIdOf(PaymentCaptured.parse(message.payload)) } });
          if (!order) return;
          if (await confirm(tx, order, trace)) progress = { step: 'charge_payment', result: 'succeeded', outcome: 'confirmed' };
          else if (order.status === 'CANCELLED') await compensateLate(tx, order, 'refund', trace);
          return;
        }
        case SagaRoutes.paymentFailed: {
          const reply = PaymentFailed.parse(message.payload);
          const order = await tx.order.findUnique({ where: { id: reply.orderId } });
          if (!order) return;
          if (await cancel(tx, order, { reason: reply.reason, from: { status: 'PENDING', sagaStep: 'CHARGING_PAYMENT' }, refund: false, release: true }, trace)) {
            progress = { step: 'charge_payment', result: 'failed', outcome: 'cancelled' };
          }
          return;
        }
        default:
          log.warn({ routingKey: message.routingKey }, 'saga reply with an unexpected routing key ignored');
      }
    });
    if (outcome !== 'handled') return; // a redelivery: its first delivery did (and counted) the work
    // Counted after the commit: a rolled-back attempt is retried by the bus and must not count twice.
    if (progress) metrics.record(progress);
    outbox.kick();
  };
}
