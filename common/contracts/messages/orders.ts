import { z } from 'zod';
import { defineMessage } from '../../messaging/catalogue.ts';
import { byOrder, id, lineItems, money } from './fields.ts';

// orders' domain events, and its answers to the cart's checkouts (see cart.ts).
export const OrderStatus = z.enum(['PENDING', 'CONFIRMED', 'CANCELLED', 'SHIPPED', 'DELIVERED']);

export const OrderPlaced = defineMessage('orders.order-placed', z.object({ orderId: id, customerId: id, ...money, items: lineItems }), byOrder);
export const OrderConfirmed = defineMessage('orders.order-confirmed', z.object({ orderId: id, customerId: id }), byOrder);
export const OrderCancelled = defineMessage('orders.order-cancelled', z.object({ orderId: id, customerId: id, reason: z.string() }), byOrder);
export const OrderStatusChanged = defineMessage(
  'orders.order-status-changed',
  z.object({
    orderId: id,
    customerId: id,
    status: OrderStatus,
    previousStatus: OrderStatus.nullable(),
    reason: z.string().nullable(),
    at: z.string(),
  }),
  byOrder,
);

const byCheckout = { correlate: (payload: { checkoutId: string }) => payload.checkoutId };
export const CheckoutAccepted = defineMessage('orders.checkout-accepted', z.object({ checkoutId: id, orderId: id }), byCheckout);
/** `code` is an error code of common/errors.ts, shown to the customer as the checkout's error. */
export const CheckoutRejected = defineMessage(
  'orders.checkout-rejected',
  z.object({ checkoutId: id, code: z.string().min(1), message: z.string(), productIds: z.array(id).optional() }),
  byCheckout,
);
