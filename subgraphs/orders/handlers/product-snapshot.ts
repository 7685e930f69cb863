import { ProductUpserted } from '../../../common/contracts/messages/index.ts';
import { consumer, on, type ConsumerDefinition } from '../../../common/messaging/consumer.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export const PRODUCT_SNAPSHOT_QUEUE = 'orders.product-snapshots';

/** Keeps orders' copy of catalog prices; an upsert is idempotent, so redelivery is harmless. */
export function productSnapshots(prisma: PrismaClient): ConsumerDefinition {
  return consumer({
    queue: PRODUCT_SNAPSHOT_QUEUE,
    handlers: [
      on(ProductUpserted, async (product) => {
        const data = { name: product.name, priceAmount: product.priceAmount, priceCurrency: product.priceCurrency };
        await prisma.productSnapshot.upsert({ where: { productId: product.productId }, create: { productId: product.productId, ...data }, update: data });
      }),
    ],
  });
}
