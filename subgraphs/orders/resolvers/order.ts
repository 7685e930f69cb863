import type { OrderItemResolvers, OrderResolvers } from '../generated/graphql.ts';

export const Order: OrderResolvers = {
  __resolveReference: (reference, { loaders }) => loaders.orderById.load(reference.id),
  customer: (order) => ({ id: order.customerId }),
  items: (order, _args, { loaders }) => loaders.itemsByOrderId.load(order.id),
  total: (order) => ({ amount: order.totalAmount, currency: order.currency }),
  statusHistory: (order, _args, { loaders }) => loaders.historyByOrderId.load(order.id),
};

export const OrderItem: OrderItemResolvers = {
  product: (item) => ({ id: item.productId }),
  unitPrice: (item, _args, { loaders }) => loaders.orderById.load(item.orderId).then((order) => ({ amount: item.unitPriceAmount, currency: order?.currency ?? 'USD' })),
  lineTotal: (item, _args, { loaders }) =>
    loaders.orderById.load(item.orderId).then((order) => ({ amount: item.unitPriceAmount * item.quantity, currency: order?.currency ?? 'USD' })),
};
