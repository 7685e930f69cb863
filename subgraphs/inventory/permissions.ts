import { allow } from 'graphql-shield';
import { isAdmin } from '../../common/subgraph/rules.ts';
import type { PermissionsFor } from '../../common/subgraph/permissions.ts';
import type { Resolvers } from './generated/graphql.ts';

// Whether a product can be bought is public; warehouse counts and restocking are for admins.
export const permissions: PermissionsFor<Resolvers> = {
  Product: { id: allow, inventory: allow, inStock: allow },
  // Whether a quantity can be supplied says no more than Inventory.available.
  CartItem: { product: allow, quantity: allow, available: allow },
  Inventory: { available: allow, reserved: allow, onHand: isAdmin },
  Mutation: { restock: isAdmin },
};
