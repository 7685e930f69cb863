import type { InventoryResolvers } from '../generated/graphql.ts';

export const Inventory: InventoryResolvers = {
  available: (stock) => Math.max(0, stock.onHand - stock.reserved),
};
