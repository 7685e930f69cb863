import type { OrderResolvers } from '../generated/graphql.ts';

export const Order: OrderResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  payment: (order, _args, { loaders }) => loaders.paymentByOrderId.load(order.id),
};
