import { ErrorCode, graphQLError, notFound } from '../../../../common/errors.ts';
import type { MessageCause } from '../../../../common/messaging/catalogue.ts';
import type { Outbox } from '../../../../common/messaging/outbox-publisher.ts';
import type { Viewer } from '../../../../common/viewer.ts';
import type { Order, OrderStatus, PrismaClient } from '../../generated/prisma/client.ts';
import { stepOf, type SagaMetrics } from './saga-metrics.ts';
import { cancel } from './transitions.ts';

// A customer may cancel until the order ships; an admin until it is delivered.
const CANCELLABLE_BY: Record<Viewer['role'], readonly OrderStatus[]> = {
  CUSTOMER: ['PENDING', 'CONFIRMED'],
  ADMIN: ['PENDING', 'CONFIRMED', 'SHIPPED'],
};

/**
 * Cancels on request: refund and release are both sent; each is idempotent and safe if nothing
 * happened yet. Cancelling a PENDING order ends its saga (counted in `metrics`); a CONFIRMED or
 * SHIPPED one had its saga end already.
 */
export async function cancelOrderFor(
  { prisma, outbox, metrics }: { prisma: PrismaClient; outbox: Outbox; metrics: SagaMetrics },
  viewer: Viewer,
  orderId: string,
  cause: MessageCause,
): Promise<Order> {
  const order = await prisma.order.findUnique({ where: { id: orderId } });
  // Someone else's order is reported exactly like a missing one.
  if (!order || (viewer.role !== 'ADMIN' && order.customerId !== viewer.id)) throw notFound('Order');
  if (order.status === 'CANCELLED') return order;
  const allowed = CANCELLABLE_BY[viewer.role];
  if (!allowed.includes(order.status)) {
    throw graphQLError(ErrorCode.orderNotCancellable, `An order that is ${order.status} can no longer be cancelled.`, { status: order.status });
  }
  const reason = viewer.role === 'ADMIN' && order.customerId !== viewer.id ? 'CANCELLED_BY_ADMIN' : 'CANCELLED_BY_CUSTOMER';
  // A PENDING order is also held to its saga step, so the step counted as cancelled is the one that was running.
  const step = order.status === 'PENDING' ? stepOf(order.sagaStep) : undefined;
  const from = { status: order.status, ...(step ? { sagaStep: order.sagaStep } : {}) };
  const moved = await outbox.transaction(prisma, cause, (tx, publish) => cancel(tx, publish, order, { reason, from, refund: true, release: true }));
  if (!moved) return cancelOrderFor({ prisma, outbox, metrics }, viewer, orderId, cause); // it moved meanwhile: decide again on its new state
  if (step) metrics.record({ step, result: 'cancelled', outcome: 'cancelled' });
  return prisma.order.findUniqueOrThrow({ where: { id: orderId } });
}
