import { allow, type IRules } from 'graphql-shield';
import { isAdmin } from '../../common/subgraph/rules.ts';

// Whether a product can be bought is public; warehouse counts and restocking are for admins.
export const permissions: IRules = {
  Product: { id: allow, inventory: allow, inStock: allow },
  Inventory: { available: allow, reserved: allow, onHand: isAdmin },
  Mutation: { restock: isAdmin },
};
