import { batchById } from '../../../common/loaders.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export function createInventoryLoaders(prisma: PrismaClient) {
  return {
    stockByProductId: batchById(
      (productIds) => prisma.stockItem.findMany({ where: { productId: { in: productIds } } }),
      (stock) => stock.productId,
    ),
  };
}
export type InventoryLoaders = ReturnType<typeof createInventoryLoaders>;
