import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql.ts';
import { Cart, CartItem } from './cart.ts';
import { Mutation } from './mutation.ts';
import { Query } from './query.ts';
import { User } from './user.ts';

export const resolvers: Resolvers = { DateTime: DateTimeResolver, Query, Mutation, Cart, CartItem, User };
