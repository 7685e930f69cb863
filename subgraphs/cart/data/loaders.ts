import { batchById, batchGroupedBy } from '../../../common/loaders.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export function createCartLoaders(prisma: PrismaClient) {
  return {
    cartById: batchById(
      (ids) => prisma.cart.findMany({ where: { id: { in: ids } } }),
      (cart) => cart.id,
    ),
    cartByUserId: batchById(
      (userIds) => prisma.cart.findMany({ where: { userId: { in: userIds } } }),
      (cart) => cart.userId,
    ),
    linesByCartId: batchGroupedBy(
      (cartIds) => prisma.cartLine.findMany({ where: { cartId: { in: cartIds } }, orderBy: [{ addedAt: 'asc' }, { productId: 'asc' }] }),
      (line) => line.cartId,
    ),
    priceByProductId: batchById(
      (ids) => prisma.productPrice.findMany({ where: { productId: { in: ids } } }),
      (price) => price.productId,
    ),
  };
}
export type CartLoaders = ReturnType<typeof createCartLoaders>;
