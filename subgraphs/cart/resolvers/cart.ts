import type { CartItemResolvers, CartResolvers } from '../generated/graphql.ts';
import type { CartContext } from '../context.ts';
import type { Cart as CartRow } from '../generated/prisma/client.ts';
import type { PricedLine } from './references.ts';

/** The cart's lines at the replica's current prices (a line whose product has no price yet is left out). */
async function pricedLines(cart: CartRow, { loaders }: CartContext): Promise<PricedLine[]> {
  const lines = await loaders.linesByCartId.load(cart.id);
  const prices = await Promise.all(lines.map((line) => loaders.priceByProductId.load(line.productId)));
  return lines.flatMap((line, index) => {
    const price = prices[index];
    return price ? [{ productId: line.productId, quantity: line.quantity, unitPriceAmount: price.priceAmount, currency: price.priceCurrency }] : [];
  });
}

export const Cart: CartResolvers = {
  __resolveReference: (reference, { loaders }) => loaders.cartById.load(reference.id),
  items: (cart, _args, context) => pricedLines(cart, context),
  itemCount: async (cart, _args, { loaders }) => (await loaders.linesByCartId.load(cart.id)).reduce((sum, line) => sum + line.quantity, 0),
  subtotal: async (cart, _args, context) => {
    const lines = await pricedLines(cart, context);
    return { amount: lines.reduce((sum, line) => sum + line.unitPriceAmount * line.quantity, 0), currency: lines[0]?.currency ?? 'USD' };
  },
};

export const CartItem: CartItemResolvers = {
  product: (line) => ({ id: line.productId }),
  unitPrice: (line) => ({ amount: line.unitPriceAmount, currency: line.currency }),
  lineTotal: (line) => ({ amount: line.unitPriceAmount * line.quantity, currency: line.currency }),
};
