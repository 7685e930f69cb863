import { ProductUpserted, SagaRoutes } from '../../../common/contracts/order-saga.ts';
import type { Envelope } from '../../../common/messaging/envelope.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export const PRODUCT_SNAPSHOT_QUEUE = 'orders.product-snapshots';
export const PRODUCT_SNAPSHOT_BINDINGS = [SagaRoutes.productUpserted] as const;

/** Keeps orders' copy of catalog prices; an upsert is idempotent, so redelivery is harmless. */
export function createProductSnapshotHandler(prisma: PrismaClient) {
  return async (message: Envelope): Promise<void> => {
    const product = ProductUpserted.parse(message.payload);
    const data = { name: product.name, priceAmount: product.priceAmount, priceCurrency: product.priceCurrency };
    await prisma.productSnapshot.upsert({ where: { productId: product.productId }, create: { productId: product.productId, ...data }, update: data });
  };
}
