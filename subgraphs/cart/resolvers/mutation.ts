import { unauthenticated } from '../../../common/errors.ts';
import { addToCart, clearCart, removeFromCart, updateCartItem } from '../data/cart-store.ts';
import { checkout } from '../domain/checkout.ts';
import type { CartContext } from '../context.ts';
import type { MutationResolvers } from '../generated/graphql.ts';

/** Every mutation acts on the caller's own cart: there is no cart id to name someone else's. */
function caller({ viewer }: CartContext): string {
  if (!viewer) throw unauthenticated();
  return viewer.id;
}

export const Mutation: MutationResolvers = {
  addToCart(_parent, { productId, quantity }, context) {
    return addToCart(context, caller(context), productId, quantity, context.requestId);
  },
  updateCartItem(_parent, { productId, quantity }, context) {
    return updateCartItem(context, caller(context), productId, quantity, context.requestId);
  },
  removeFromCart(_parent, { productId }, context) {
    return removeFromCart(context, caller(context), productId, context.requestId);
  },
  clearCart(_parent, _args, context) {
    return clearCart(context, caller(context), context.requestId);
  },
  checkout(_parent, { input, idempotencyKey }, context) {
    return context.checkoutMetrics.observe(() =>
      checkout(context, {
        userId: caller(context),
        input,
        idempotencyKey,
        requestId: context.requestId,
        waitMs: context.checkoutWaitMs,
      }),
    );
  },
};
