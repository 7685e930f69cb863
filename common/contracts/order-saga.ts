import { z } from 'zod';

/**
 * The messages of the order saga and the domain events around it: routing keys and payload
 * schemas, shared by publisher and consumer so both sides agree on one definition. Consumers
 * parse payloads with these schemas; nothing crosses a service boundary untyped.
 */
export const SagaRoutes = {
  // commands to inventory, and its replies
  reserveStock: 'inventory.reserve-stock',
  releaseStock: 'inventory.release-stock',
  commitStock: 'inventory.commit-stock',
  stockReserved: 'inventory.stock-reserved',
  stockReservationFailed: 'inventory.stock-reservation-failed',
  stockReleased: 'inventory.stock-released',
  stockCommitted: 'inventory.stock-committed',
  // commands to payments, and its replies
  chargePayment: 'payments.charge-payment',
  refundPayment: 'payments.refund-payment',
  paymentCaptured: 'payments.payment-captured',
  paymentFailed: 'payments.payment-failed',
  paymentRefunded: 'payments.payment-refunded',
  // domain events of orders
  orderPlaced: 'orders.order-placed',
  orderConfirmed: 'orders.order-confirmed',
  orderCancelled: 'orders.order-cancelled',
  orderStatusChanged: 'orders.order-status-changed',
  // shipping's events: orders moves the order on, notifications tells the customer
  orderShipped: 'shipping.order-shipped',
  orderDelivered: 'shipping.order-delivered',
  // catalog's product data, replicated where prices are needed
  productUpserted: 'catalog.product-upserted',
} as const;

/** What one order may hold (placeOrder), and so what one cart may hold (cart). */
export const ORDER_LIMITS = { maxLines: 50, maxQuantity: 100, maxKeyLength: 200, maxTokenLength: 100 } as const;

const id = z.string().uuid();
const money = { amount: z.number().int().nonnegative(), currency: z.string().length(3) };
const lineItems = z.array(z.object({ productId: id, quantity: z.number().int().positive() })).min(1);

export const ReserveStock = z.object({ orderId: id, items: lineItems });
export const StockReserved = z.object({ orderId: id });
export const StockReservationFailed = z.object({
  orderId: id,
  reason: z.enum(['OUT_OF_STOCK', 'ORDER_RELEASED']),
  productId: id.optional(),
});
export const ReleaseStock = z.object({ orderId: id });
export const StockReleased = z.object({ orderId: id });
export const CommitStock = z.object({ orderId: id });
export const StockCommitted = z.object({ orderId: id });

export const ChargePayment = z.object({ orderId: id, customerId: id, ...money, paymentToken: z.string().min(1) });
export const PaymentCaptured = z.object({ orderId: id, paymentId: id, ...money });
export const PaymentFailureReason = z.enum(['CARD_DECLINED', 'INSUFFICIENT_FUNDS', 'PROCESSOR_TIMEOUT', 'INVALID_PAYMENT_METHOD', 'ORDER_VOIDED']);
export const PaymentFailed = z.object({ orderId: id, reason: PaymentFailureReason });
export const RefundPayment = z.object({ orderId: id, reason: z.string() });
export const PaymentRefunded = z.object({ orderId: id, paymentId: id.nullable(), amount: z.number().int().nonnegative() });

export const OrderStatus = z.enum(['PENDING', 'CONFIRMED', 'CANCELLED', 'SHIPPED', 'DELIVERED']);
export const OrderPlaced = z.object({ orderId: id, customerId: id, ...money, items: lineItems });
export const OrderConfirmed = z.object({ orderId: id, customerId: id });
export const OrderCancelled = z.object({ orderId: id, customerId: id, reason: z.string() });
export const OrderStatusChanged = z.object({
  orderId: id,
  customerId: id,
  status: OrderStatus,
  previousStatus: OrderStatus.nullable(),
  reason: z.string().nullable(),
  at: z.string(),
});

export const OrderShipped = z.object({
  orderId: id,
  customerId: id,
  shipmentId: id,
  carrier: z.string(),
  trackingNumber: z.string(),
  at: z.string(),
});
export const OrderDelivered = z.object({ orderId: id, customerId: id, shipmentId: id, at: z.string() });

export const ProductUpserted = z.object({ productId: id, name: z.string(), priceAmount: z.number().int().nonnegative(), priceCurrency: z.string().length(3) });

export type ReserveStock = z.infer<typeof ReserveStock>;
export type StockReservationFailed = z.infer<typeof StockReservationFailed>;
export type ChargePayment = z.infer<typeof ChargePayment>;
export type PaymentCaptured = z.infer<typeof PaymentCaptured>;
export type PaymentFailed = z.infer<typeof PaymentFailed>;
export type PaymentFailureReason = z.infer<typeof PaymentFailureReason>;
export type PaymentRefunded = z.infer<typeof PaymentRefunded>;
export type OrderStatusChanged = z.infer<typeof OrderStatusChanged>;
export type ProductUpserted = z.infer<typeof ProductUpserted>;
export type OrderShipped = z.infer<typeof OrderShipped>;
export type OrderDelivered = z.infer<typeof OrderDelivered>;
