import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql.ts';
import { Order } from './order.ts';
import { Payment } from './payment.ts';

export const resolvers: Resolvers = { DateTime: DateTimeResolver, Order, Payment };
