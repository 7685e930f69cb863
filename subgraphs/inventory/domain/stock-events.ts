import { StockChanged } from '../../../common/contracts/messages/index.ts';
import type { Publish } from '../../../common/messaging/outbox-publisher.ts';
import type { Prisma } from '../generated/prisma/client.ts';

/**
 * One StockChanged per product whose stock a transaction moved, published in that transaction (the
 * outbox), with what is available once it commits. Subscribers (`stockChanged`) read the product
 * again through the gateway; the payload is what routes the event and describes it.
 */
export async function recordStockChanges(tx: Prisma.TransactionClient, publish: Publish, productIds: readonly string[]): Promise<void> {
  if (productIds.length === 0) return;
  const items = await tx.stockItem.findMany({ where: { productId: { in: [...productIds] } }, orderBy: { productId: 'asc' } });
  const at = new Date().toISOString();
  for (const item of items) publish(StockChanged, { productId: item.productId, available: item.onHand - item.reserved, at });
}
