import { allow } from 'graphql-shield';
import { isAdmin } from '../../common/subgraph/rules.ts';
import type { PermissionsFor } from '../../common/subgraph/permissions.ts';
import type { Resolvers } from './generated/graphql.ts';

// The catalog is public to read; only admins change it.
export const permissions: PermissionsFor<Resolvers> = {
  Query: { product: allow, products: allow, categories: allow },
  Mutation: { createProduct: isAdmin, updateProduct: isAdmin, createCategory: isAdmin, renameCategory: isAdmin, moveCategory: isAdmin, deleteCategory: isAdmin },
  Product: allow,
  Category: allow,
  Money: allow,
  ProductConnection: allow,
  ProductEdge: allow,
  PageInfo: allow,
};
