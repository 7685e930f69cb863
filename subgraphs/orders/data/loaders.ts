import { batchById, batchGroupedBy } from '../../../common/loaders.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export function createOrdersLoaders(prisma: PrismaClient) {
  return {
    orderById: batchById(
      (ids) => prisma.order.findMany({ where: { id: { in: ids } } }),
      (order) => order.id,
    ),
    itemsByOrderId: batchGroupedBy(
      (orderIds) => prisma.orderItem.findMany({ where: { orderId: { in: orderIds } }, orderBy: { productName: 'asc' } }),
      (item) => item.orderId,
    ),
    historyByOrderId: batchGroupedBy(
      (orderIds) => prisma.orderStatusChange.findMany({ where: { orderId: { in: orderIds } }, orderBy: { at: 'asc' } }),
      (change) => change.orderId,
    ),
  };
}
export type OrdersLoaders = ReturnType<typeof createOrdersLoaders>;
