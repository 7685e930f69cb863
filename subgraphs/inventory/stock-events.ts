import { DomainEventRoutes, type StockChanged } from '../../common/contracts/domain-events.ts';
import { createEnvelope } from '../../common/messaging/envelope.ts';
import { outboxRecord } from '../../common/messaging/outbox.ts';
import type { Prisma } from './generated/prisma/client.ts';

/**
 * One StockChanged per product whose stock a transaction moved, written in that transaction (the
 * outbox), with what is available once it commits. Subscribers (`stockChanged`) read the product
 * again through the gateway; the payload is what routes the event and describes it.
 */
export async function recordStockChanges(tx: Prisma.TransactionClient, productIds: readonly string[], headers: Record<string, string>): Promise<void> {
  if (productIds.length === 0) return;
  const items = await tx.stockItem.findMany({ where: { productId: { in: [...productIds] } }, orderBy: { productId: 'asc' } });
  const at = new Date().toISOString();
  await tx.outboxMessage.createMany({
    data: items.map((item) => {
      const event: StockChanged = { productId: item.productId, available: item.onHand - item.reserved, at };
      return outboxRecord(createEnvelope(DomainEventRoutes.stockChanged, 'StockChanged', event, headers));
    }),
  });
}
