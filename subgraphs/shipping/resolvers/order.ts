import type { OrderResolvers } from '../generated/graphql.ts';

export const Order: OrderResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  shipment: (order, _args, { loaders }) => loaders.shipmentByOrderId.load(order.id),
};
