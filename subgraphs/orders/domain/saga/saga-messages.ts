import {
  ChargePayment,
  CommitStock,
  OrderCancelled,
  OrderConfirmed,
  OrderPlaced,
  OrderStatusChanged,
  RefundPayment,
  ReleaseStock,
  ReserveStock,
} from '../../../../common/contracts/messages/index.ts';
import type { Publish } from '../../../../common/messaging/outbox-publisher.ts';
import type { Order, OrderItem, OrderStatus } from '../../generated/prisma/client.ts';

type OrderFacts = Pick<Order, 'id' | 'customerId' | 'totalAmount' | 'currency' | 'paymentToken'>;
type LineItem = Pick<OrderItem, 'productId' | 'quantity'>;

const lines = (items: readonly LineItem[]) => items.map(({ productId, quantity }) => ({ productId, quantity }));

/** The commands the saga sends and the events it announces, published in the caller's transaction. */
export const sagaMessages = (publish: Publish) => ({
  reserveStock: (order: OrderFacts, items: readonly LineItem[]) => publish(ReserveStock, { orderId: order.id, items: lines(items) }),
  releaseStock: (order: OrderFacts) => publish(ReleaseStock, { orderId: order.id }),
  commitStock: (order: OrderFacts) => publish(CommitStock, { orderId: order.id }),
  chargePayment: (order: OrderFacts) =>
    publish(ChargePayment, { orderId: order.id, customerId: order.customerId, amount: order.totalAmount, currency: order.currency, paymentToken: order.paymentToken }),
  refundPayment: (order: OrderFacts, reason: string) => publish(RefundPayment, { orderId: order.id, reason }),
  orderPlaced: (order: OrderFacts, items: readonly LineItem[]) =>
    publish(OrderPlaced, { orderId: order.id, customerId: order.customerId, amount: order.totalAmount, currency: order.currency, items: lines(items) }),
  orderConfirmed: (order: OrderFacts) => publish(OrderConfirmed, { orderId: order.id, customerId: order.customerId }),
  orderCancelled: (order: OrderFacts, reason: string) => publish(OrderCancelled, { orderId: order.id, customerId: order.customerId, reason }),
  statusChanged: (order: OrderFacts, change: { status: OrderStatus; previousStatus: OrderStatus | null; reason: string | null; at: Date }) =>
    publish(OrderStatusChanged, { orderId: order.id, customerId: order.customerId, ...change, at: change.at.toISOString() }),
});
