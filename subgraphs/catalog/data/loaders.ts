import { batchById } from '../../../common/loaders.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export function createCatalogLoaders(prisma: PrismaClient) {
  return {
    productById: batchById(
      (ids) => prisma.product.findMany({ where: { id: { in: ids } } }),
      (product) => product.id,
    ),
    categoryById: batchById(
      (ids) => prisma.category.findMany({ where: { id: { in: ids } } }),
      (category) => category.id,
    ),
  };
}
export type CatalogLoaders = ReturnType<typeof createCatalogLoaders>;
