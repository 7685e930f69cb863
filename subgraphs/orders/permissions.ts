import { allow } from 'graphql-shield';
import { isAuthenticated, isOwnerOrAdmin } from '../../common/subgraph/rules.ts';
import type { Order } from './generated/prisma/client.ts';
import type { UserReference } from './resolvers/references.ts';
import type { PermissionsFor } from '../../common/subgraph/permissions.ts';
import type { Resolvers } from './generated/graphql.ts';

// An order is its customer's and the admins': the rule sits on the type, so it holds however the
// order is reached (a query, a user's list, another subgraph's _entities fetch).
export const permissions: PermissionsFor<Resolvers> = {
  Query: { order: isAuthenticated },
  Mutation: { placeOrder: isAuthenticated, cancelOrder: isAuthenticated },
  Order: isOwnerOrAdmin((order: Order) => order.customerId),
  User: { id: allow, orders: isOwnerOrAdmin((user: UserReference) => user.id) },
  OrderItem: allow,
  OrderStatusChange: allow,
  OrderConnection: allow,
  OrderEdge: allow,
  PageInfo: allow,
  Money: allow,
  Product: allow,
};
