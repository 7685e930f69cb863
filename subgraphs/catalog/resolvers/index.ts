import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql.ts';
import { Category } from './category.ts';
import { Mutation } from './mutation.ts';
import { Product } from './product.ts';
import { Query } from './query.ts';

export const resolvers: Resolvers = { DateTime: DateTimeResolver, Query, Mutation, Product, Category };
