import { notFound, unauthenticated } from '../../../common/errors.ts';
import { isUuid } from '../../../common/loaders.ts';
import { ensureCart } from '../data/cart-store.ts';
import type { QueryResolvers } from '../generated/graphql.ts';

export const Query: QueryResolvers = {
  cart(_parent, _args, { viewer, prisma }) {
    if (!viewer) throw unauthenticated();
    return ensureCart(prisma, viewer.id);
  },
  async cartById(_parent, { id }, { viewer, loaders }) {
    const cart = isUuid(id) ? await loaders.cartById.load(id) : undefined;
    // Someone else's cart is reported exactly like a missing one.
    if (!cart || (viewer?.role !== 'ADMIN' && cart.userId !== viewer?.id)) throw notFound('Cart');
    return cart;
  },
};
