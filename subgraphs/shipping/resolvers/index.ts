import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql.ts';
import { Mutation } from './mutation.ts';
import { Order } from './order.ts';
import { Shipment } from './shipment.ts';

export const resolvers: Resolvers = { DateTime: DateTimeResolver, Mutation, Order, Shipment };
