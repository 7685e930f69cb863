import type { CartItemResolvers } from '../generated/graphql.ts';

export const CartItem: CartItemResolvers = {
  __resolveReference: (reference) => ({ product: { id: reference.product.id }, quantity: reference.quantity }),
  // The same stock Product.inStock reads, held against the line's quantity.
  available: async (line, _args, { loaders }) => {
    const stock = await loaders.stockByProductId.load(line.product.id);
    return stock !== null && stock.onHand - stock.reserved >= line.quantity;
  },
};
