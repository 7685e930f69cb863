import { SagaRoutes } from '../../../common/contracts/order-saga.ts';
import { createEnvelope, type Envelope } from '../../../common/messaging/envelope.ts';
import type { Order, OrderItem, OrderStatus } from '../generated/prisma/client.ts';

/** Context carried on every message of one order's saga. */
export interface SagaTrace {
  readonly requestId: string;
}

const headersFor = (orderId: string, trace: SagaTrace) => ({ 'correlation-id': orderId, 'x-request-id': trace.requestId });

type OrderFacts = Pick<Order, 'id' | 'customerId' | 'totalAmount' | 'currency' | 'paymentToken'>;
type LineItem = Pick<OrderItem, 'productId' | 'quantity'>;

/** The commands the saga sends and the events it announces, as outbox-ready envelopes. */
export const sagaMessages = {
  reserveStock: (order: OrderFacts, items: readonly LineItem[], trace: SagaTrace): Envelope =>
    createEnvelope(
      SagaRoutes.reserveStock,
      'ReserveStock',
      { orderId: order.id, items: items.map(({ productId, quantity }) => ({ productId, quantity })) },
      headersFor(order.id, trace),
    ),
  releaseStock: (order: OrderFacts, trace: SagaTrace): Envelope =>
    createEnvelope(SagaRoutes.releaseStock, 'ReleaseStock', { orderId: order.id }, headersFor(order.id, trace)),
  commitStock: (order: OrderFacts, trace: SagaTrace): Envelope =>
    createEnvelope(SagaRoutes.commitStock, 'CommitStock', { orderId: order.id }, headersFor(order.id, trace)),
  chargePayment: (order: OrderFacts, trace: SagaTrace): Envelope =>
    createEnvelope(
      SagaRoutes.chargePayment,
      'ChargePayment',
      { orderId: order.id, customerId: order.customerId, amount: order.totalAmount, currency: order.currency, paymentToken: order.paymentToken },
      headersFor(order.id, trace),
    ),
  refundPayment: (order: OrderFacts, reason: string, trace: SagaTrace): Envelope =>
    createEnvelope(SagaRoutes.refundPayment, 'RefundPayment', { orderId: order.id, reason }, headersFor(order.id, trace)),
  orderPlaced: (order: OrderFacts, items: readonly LineItem[], trace: SagaTrace): Envelope =>
    createEnvelope(
      SagaRoutes.orderPlaced,
      'OrderPlaced',
      {
        orderId: order.id,
        customerId: order.customerId,
        amount: order.totalAmount,
        currency: order.currency,
        items: items.map(({ productId, quantity }) => ({ productId, quantity })),
      },
      headersFor(order.id, trace),
    ),
  orderConfirmed: (order: OrderFacts, trace: SagaTrace): Envelope =>
    createEnvelope(SagaRoutes.orderConfirmed, 'OrderConfirmed', { orderId: order.id, customerId: order.customerId }, headersFor(order.id, trace)),
  orderCancelled: (order: OrderFacts, reason: string, trace: SagaTrace): Envelope =>
    createEnvelope(
      SagaRoutes.orderCancelled,
      'OrderCancelled',
      { orderId: order.id, customerId: order.customerId, reason },
      headersFor(order.id, trace),
    ),
  statusChanged: (
    order: OrderFacts,
    change: { status: OrderStatus; previousStatus: OrderStatus | null; reason: string | null; at: Date },
    trace: SagaTrace,
  ): Envelope =>
    createEnvelope(
      SagaRoutes.orderStatusChanged,
      'OrderStatusChanged',
      { orderId: order.id, customerId: order.customerId, ...change, at: change.at.toISOString() },
      headersFor(order.id, trace),
    ),
};
