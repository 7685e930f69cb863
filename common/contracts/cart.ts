import { z } from 'zod';

/**
 * The cart's messages: checkout as a command to orders and orders' replies, and the cart's own
 * domain event. Shared by publisher and consumer, like common/contracts/order-saga.ts.
 *
 * Checkout: the cart writes CheckoutRequested in the transaction that records the checkout;
 * orders places the order through the same code path as `placeOrder` (idempotent on the
 * customer and key) and answers CheckoutAccepted in the order's own transaction, or
 * CheckoutRejected. The cart empties the checked-out lines on CheckoutAccepted and puts them
 * back when the saga cancels the order (OrderCancelled).
 */
export const CartRoutes = {
  checkoutRequested: 'cart.checkout-requested',
  checkoutAccepted: 'orders.checkout-accepted',
  checkoutRejected: 'orders.checkout-rejected',
  /**
   * A cart changed (a line, a clear, a checkout, a restore, or a catalog price that alters its
   * subtotal). The event names the cart and its owner: what a `Subscription.cartChanged` engine
   * needs to resolve `Cart` by id for the owner's subscriptions only.
   */
  cartChanged: 'cart.cart-changed',
} as const;

const id = z.string().uuid();

/**
 * `unitPriceAmount` and `currency` are the prices the customer saw (the cart's copy). Orders
 * prices the order from its own copy and refuses with CART_CHANGED when the two differ, so the
 * customer never pays a total they did not see while a price change is on its way to the cart.
 */
export const CheckoutRequested = z.object({
  checkoutId: id,
  customerId: id,
  idempotencyKey: z.string().min(1),
  paymentToken: z.string().min(1),
  items: z
    .array(z.object({ productId: id, quantity: z.number().int().positive(), unitPriceAmount: z.number().int().nonnegative(), currency: z.string().length(3) }))
    .min(1),
});
export const CheckoutAccepted = z.object({ checkoutId: id, orderId: id });
/** `code` is an error code of common/errors.ts, shown to the customer as the checkout's error. */
export const CheckoutRejected = z.object({
  checkoutId: id,
  code: z.string().min(1),
  message: z.string(),
  productIds: z.array(id).optional(),
});
export const CartChanged = z.object({ cartId: id, userId: id, version: z.number().int().nonnegative(), at: z.string() });

export type CheckoutRequested = z.infer<typeof CheckoutRequested>;
export type CheckoutAccepted = z.infer<typeof CheckoutAccepted>;
export type CheckoutRejected = z.infer<typeof CheckoutRejected>;
export type CartChanged = z.infer<typeof CartChanged>;
