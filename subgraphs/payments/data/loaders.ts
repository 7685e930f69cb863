import { batchById } from '../../../common/loaders.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export function createPaymentsLoaders(prisma: PrismaClient) {
  return {
    /** An order's payment (orderId is unique), one query per batch of orders. */
    paymentByOrderId: batchById(
      (orderIds) => prisma.payment.findMany({ where: { orderId: { in: orderIds } } }),
      (payment) => payment.orderId,
    ),
  };
}
export type PaymentsLoaders = ReturnType<typeof createPaymentsLoaders>;
