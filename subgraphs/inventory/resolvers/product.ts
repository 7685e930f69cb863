import type { ProductResolvers } from '../generated/graphql.ts';

export const Product: ProductResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  inventory: (product, _args, { loaders }) => loaders.stockByProductId.load(product.id),
  inStock: async (product, _args, { loaders }) => {
    const stock = await loaders.stockByProductId.load(product.id);
    return stock !== null && stock.onHand - stock.reserved > 0;
  },
};
