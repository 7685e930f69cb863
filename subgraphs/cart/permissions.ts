import { allow } from 'graphql-shield';
import { isAuthenticated, isOwnerOrAdmin } from '../../common/subgraph/rules.ts';
import type { Cart } from './generated/prisma/client.ts';
import type { UserReference } from './resolvers/references.ts';
import type { PermissionsFor } from '../../common/subgraph/permissions.ts';
import type { Resolvers } from './generated/graphql.ts';

// Deny by default (subgraphShield). A cart is its owner's and the admins': the rule sits on the
// type, so it holds however the cart is reached (Query.cart, User.cart, _entities, a mutation).
// Mutations only ever touch the caller's own cart.
export const permissions: PermissionsFor<Resolvers> = {
  Query: { cart: isAuthenticated, cartById: isAuthenticated },
  Mutation: {
    addToCart: isAuthenticated,
    updateCartItem: isAuthenticated,
    removeFromCart: isAuthenticated,
    clearCart: isAuthenticated,
    checkout: isAuthenticated,
  },
  Cart: isOwnerOrAdmin((cart: Cart) => cart.userId),
  CartItem: allow,
  User: { id: allow, cart: isOwnerOrAdmin((user: UserReference) => user.id) },
  Money: allow,
  Product: allow,
  Order: allow,
};
