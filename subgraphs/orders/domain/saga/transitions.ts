import type { Publish } from '../../../../common/messaging/outbox-publisher.ts';
import type { Order, OrderStatus, Prisma, SagaStep } from '../../generated/prisma/client.ts';
import { sagaMessages } from './saga-messages.ts';

type Tx = Prisma.TransactionClient;

/** The state an order must still be in for a transition to apply (optimistic concurrency). */
interface Expected {
  readonly status: OrderStatus | readonly OrderStatus[];
  readonly sagaStep?: SagaStep | readonly SagaStep[];
}

const oneOrMany = <T>(value: T | readonly T[]) => (Array.isArray(value) ? { in: [...value] } : value);

/**
 * Applies `data` only if the order is still where this transition expects it. Replies, the
 * timeout sweeper and cancelOrder race on the same order (and on several replicas); the loser
 * of a race changes nothing.
 */
async function moveIfStill(tx: Tx, orderId: string, expected: Expected, data: Prisma.OrderUpdateManyMutationInput): Promise<boolean> {
  const { count } = await tx.order.updateMany({
    where: {
      id: orderId,
      status: oneOrMany(expected.status) as Prisma.EnumOrderStatusFilter,
      ...(expected.sagaStep ? { sagaStep: oneOrMany(expected.sagaStep) as Prisma.EnumSagaStepFilter } : {}),
    },
    data,
  });
  return count === 1;
}

async function recordStatus(tx: Tx, publish: Publish, order: Order, status: OrderStatus, reason: string | null): Promise<void> {
  const change = await tx.orderStatusChange.create({ data: { orderId: order.id, status, reason } });
  sagaMessages(publish).statusChanged(order, { status, previousStatus: order.status, reason, at: change.at });
}

/** Stock is reserved: charge the payment next. */
export async function startCharging(tx: Tx, publish: Publish, order: Order, stepTimeoutMs: number): Promise<boolean> {
  const moved = await moveIfStill(
    tx,
    order.id,
    { status: 'PENDING', sagaStep: 'RESERVING_STOCK' },
    { sagaStep: 'CHARGING_PAYMENT', sagaDeadline: new Date(Date.now() + stepTimeoutMs) },
  );
  if (moved) sagaMessages(publish).chargePayment(order);
  return moved;
}

/** Payment captured: the order is CONFIRMED and its reserved stock is committed. */
export async function confirm(tx: Tx, publish: Publish, order: Order): Promise<boolean> {
  const moved = await moveIfStill(tx, order.id, { status: 'PENDING', sagaStep: 'CHARGING_PAYMENT' }, { status: 'CONFIRMED', sagaStep: 'DONE', sagaDeadline: null });
  if (!moved) return false;
  await recordStatus(tx, publish, order, 'CONFIRMED', null);
  const messages = sagaMessages(publish);
  messages.commitStock(order);
  messages.orderConfirmed(order);
  return true;
}

export interface Cancellation {
  readonly reason: string;
  readonly from: Expected;
  /** Compensations, sent in reverse order of the saga: refund first, then release. */
  readonly refund: boolean;
  readonly release: boolean;
}

/** Ends the order CANCELLED with its reason, sending the compensations it needs. */
export async function cancel(tx: Tx, publish: Publish, order: Order, cancellation: Cancellation): Promise<boolean> {
  const moved = await moveIfStill(tx, order.id, cancellation.from, {
    status: 'CANCELLED',
    sagaStep: 'DONE',
    sagaDeadline: null,
    cancellationReason: cancellation.reason,
  });
  if (!moved) return false;
  await recordStatus(tx, publish, order, 'CANCELLED', cancellation.reason);
  const messages = sagaMessages(publish);
  if (cancellation.refund) messages.refundPayment(order, cancellation.reason);
  if (cancellation.release) messages.releaseStock(order);
  messages.orderCancelled(order, cancellation.reason);
  return true;
}

/** A reply that arrives after the order was cancelled: undo what it did. */
export function compensateLate(publish: Publish, order: Order, what: 'release' | 'refund'): void {
  const messages = sagaMessages(publish);
  if (what === 'release') messages.releaseStock(order);
  else messages.refundPayment(order, order.cancellationReason ?? 'CANCELLED');
}

/** Shipping reports the order on its way (CONFIRMED -> SHIPPED) or arrived (SHIPPED -> DELIVERED). */
export async function advanceFulfilment(tx: Tx, publish: Publish, order: Order, to: 'SHIPPED' | 'DELIVERED'): Promise<boolean> {
  const from = to === 'SHIPPED' ? 'CONFIRMED' : 'SHIPPED';
  if (!(await moveIfStill(tx, order.id, { status: from }, { status: to }))) return false;
  await recordStatus(tx, publish, order, to, null);
  return true;
}
