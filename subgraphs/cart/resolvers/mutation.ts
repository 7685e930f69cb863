import { unauthenticated } from '../../../common/errors.ts';
import { addToCart, clearCart, removeFromCart, updateCartItem } from '../cart-store.ts';
import { checkout } from '../checkout.ts';
import type { CartContext } from '../context.ts';
import type { MutationResolvers } from '../generated/graphql.ts';

/** Every mutation acts on the caller's own cart: there is no cart id to name someone else's. */
function caller({ viewer }: CartContext): string {
  if (!viewer) throw unauthenticated();
  return viewer.id;
}

export const Mutation: MutationResolvers = {
  async addToCart(_parent, { productId, quantity }, context) {
    const cart = await addToCart(context.prisma, caller(context), productId, quantity, context.requestId);
    context.outbox.kick();
    return cart;
  },
  async updateCartItem(_parent, { productId, quantity }, context) {
    const cart = await updateCartItem(context.prisma, caller(context), productId, quantity, context.requestId);
    context.outbox.kick();
    return cart;
  },
  async removeFromCart(_parent, { productId }, context) {
    const cart = await removeFromCart(context.prisma, caller(context), productId, context.requestId);
    context.outbox.kick();
    return cart;
  },
  async clearCart(_parent, _args, context) {
    const cart = await clearCart(context.prisma, caller(context), context.requestId);
    context.outbox.kick();
    return cart;
  },
  checkout(_parent, { input, idempotencyKey }, context) {
    return context.checkoutMetrics.observe(() =>
      checkout(context.prisma, {
        userId: caller(context),
        input,
        idempotencyKey,
        requestId: context.requestId,
        waitMs: context.checkoutWaitMs,
        kick: () => context.outbox.kick(),
      }),
    );
  },
};
