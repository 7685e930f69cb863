import { allow, type IRules } from 'graphql-shield';
import { isAdmin } from '../../common/subgraph/rules.ts';

// The catalog is public to read; only admins change it.
export const permissions: IRules = {
  Query: { product: allow, products: allow, categories: allow },
  Mutation: { createProduct: isAdmin, updateProduct: isAdmin },
  Product: allow,
  Category: allow,
  Money: allow,
  ProductConnection: allow,
  ProductEdge: allow,
  PageInfo: allow,
};
