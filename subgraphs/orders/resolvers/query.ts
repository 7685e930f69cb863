import { notFound } from '../../../common/errors.ts';
import type { QueryResolvers } from '../generated/graphql.ts';

export const Query: QueryResolvers = {
  async order(_parent, { id }, { viewer, loaders }) {
    const order = await loaders.orderById.load(id);
    // Someone else's order is reported exactly like a missing one.
    if (!order || (viewer?.role !== 'ADMIN' && order.customerId !== viewer?.id)) throw notFound('Order');
    return order;
  },
};
