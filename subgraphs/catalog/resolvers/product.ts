import type { ProductResolvers } from '../generated/graphql.ts';

export const Product: ProductResolvers = {
  __resolveReference: (reference, { loaders }) => loaders.productById.load(reference.id),
  price: (product) => ({ amount: product.priceAmount, currency: product.priceCurrency }),
  category: async (product, _args, { loaders }) => {
    const category = await loaders.categoryById.load(product.categoryId);
    if (!category) throw new Error(`product ${product.id} names missing category ${product.categoryId}`);
    return category;
  },
};
