import type { Resolvers } from '../generated/graphql.ts';
import { CartItem } from './cart-item.ts';
import { Inventory } from './inventory.ts';
import { Mutation } from './mutation.ts';
import { Product } from './product.ts';

export const resolvers: Resolvers = { Product, Inventory, Mutation, CartItem };
