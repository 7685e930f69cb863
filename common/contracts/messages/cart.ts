import { z } from 'zod';
import { defineMessage } from '../../messaging/catalogue.ts';
import { id } from './fields.ts';

/**
 * Checkout: the cart writes CheckoutRequested in the transaction that records the checkout; orders
 * places the order through the same code path as `placeOrder` (idempotent on the customer and key)
 * and answers CheckoutAccepted in the order's own transaction, or CheckoutRejected (orders.ts). The
 * cart empties the checked-out lines on CheckoutAccepted and puts them back when the saga cancels
 * the order (OrderCancelled).
 *
 * `unitPriceAmount` and `currency` are the prices the customer saw (the cart's copy). Orders prices
 * the order from its own copy and refuses with CART_CHANGED when the two differ, so the customer
 * never pays a total they did not see while a price change is on its way to the cart.
 */
export const CheckoutRequested = defineMessage(
  'cart.checkout-requested',
  z.object({
    checkoutId: id,
    customerId: id,
    idempotencyKey: z.string().min(1),
    paymentToken: z.string().min(1),
    items: z.array(z.object({ productId: id, quantity: z.number().int().positive(), unitPriceAmount: z.number().int().nonnegative(), currency: z.string().length(3) })).min(1),
  }),
  { correlate: (payload) => payload.checkoutId },
);

/**
 * A cart changed (a line, a clear, a checkout, a restore, or a catalog price that alters its
 * subtotal). The event names the cart and its owner: what a `Subscription.cartChanged` engine needs
 * to resolve `Cart` by id for the owner's subscriptions only.
 */
export const CartChanged = defineMessage('cart.cart-changed', z.object({ cartId: id, userId: id, version: z.number().int().nonnegative(), at: z.string() }), {
  correlate: (payload) => payload.cartId,
});
