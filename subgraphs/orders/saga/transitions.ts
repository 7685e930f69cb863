import { outboxRecord } from '../../../common/messaging/outbox.ts';
import type { Envelope } from '../../../common/messaging/envelope.ts';
import type { Order, OrderStatus, Prisma, SagaStep } from '../generated/prisma/client.ts';
import { sagaMessages, type SagaTrace } from './saga-messages.ts';

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

async function publish(tx: Tx, messages: readonly Envelope[]): Promise<void> {
  if (messages.length > 0) await tx.outboxMessage.createMany({ data: messages.map(outboxRecord) });
}

async function recordStatus(tx: Tx, order: Order, status: OrderStatus, reason: string | null, trace: SagaTrace): Promise<Envelope> {
  const change = await tx.orderStatusChange.create({ data: { orderId: order.id, status, reason } });
  return sagaMessages.statusChanged(order, { status, previousStatus: order.status, reason, at: change.at }, trace);
}

/** Stock is reserved: charge the payment next. */
export async function startCharging(tx: Tx, order: Order, stepTimeoutMs: number, trace: SagaTrace): Promise<boolean> {
  const moved = await moveIfStill(
    tx,
    order.id,
    { status: 'PENDING', sagaStep: 'RESERVING_STOCK' },
    { sagaStep: 'CHARGING_PAYMENT', sagaDeadline: new Date(Date.now() + stepTimeoutMs) },
  );
  if (moved) await publish(tx, [sagaMessages.chargePayment(order, trace)]);
  return moved;
}

/** Payment captured: the order is CONFIRMED and its reserved stock is committed. */
export async function confirm(tx: Tx, order: Order, trace: SagaTrace): Promise<boolean> {
  const moved = await moveIfStill(
    tx,
    order.id,
    { status: 'PENDING', sagaStep: 'CHARGING_PAYMENT' },
    { status: 'CONFIRMED', sagaStep: 'DONE', sagaDeadline: null },
  );
  if (!moved) return false;
  const statusChanged = await recordStatus(tx, order, 'CONFIRMED', null, trace);
  await publish(tx, [sagaMessages.commitStock(order, trace), sagaMessages.orderConfirmed(order, trace), statusChanged]);
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
export async function cancel(tx: Tx, order: Order, cancellation: Cancellation, trace: SagaTrace): Promise<boolean> {
  const moved = await moveIfStill(tx, order.id, cancellation.from, {
    status: 'CANCELLED',
    sagaStep: 'DONE',
    sagaDeadline: null,
    cancellationReason: cancellation.reason,
  });
  if (!moved) return false;
  const statusChanged = await recordStatus(tx, order, 'CANCELLED', cancellation.reason, trace);
  await publish(tx, [
    ...(cancellation.refund ? [sagaMessages.refundPayment(order, cancellation.reason, trace)] : []),
    ...(cancellation.release ? [sagaMessages.releaseStock(order, trace)] : []),
    sagaMessages.orderCancelled(order, cancellation.reason, trace),
    statusChanged,
  ]);
  return true;
}

/** A reply that arrives after the order was cancelled: undo what it did. */
export async function compensateLate(tx: Tx, order: Order, what: 'release' | 'refund', trace: SagaTrace): Promise<void> {
  await publish(tx, [what === 'release' ? sagaMessages.releaseStock(order, trace) : sagaMessages.refundPayment(order, order.cancellationReason ?? 'CANCELLED', trace)]);
}


/** Shipping reports the order on its way (CONFIRMED -> SHIPPED) or arrived (SHIPPED -> DELIVERED). */
export async function advanceFulfilment(tx: Tx, order: Order, to: 'SHIPPED' | 'DELIVERED', trace: SagaTrace): Promise<boolean> {
  const from = to === 'SHIPPED' ? 'CONFIRMED' : 'SHIPPED';
  if (!(await moveIfStill(tx, order.id, { status: from }, { status: to }))) return false;
  await publish(tx, [await recordStatus(tx, order, to, null, trace)]);
  return true;
}

export { publish as publishFromTransaction };
