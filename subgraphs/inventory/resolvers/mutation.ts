import { badUserInput } from '../../../common/errors.ts';
import { isUuid } from '../../../common/loaders.ts';
import type { MutationResolvers } from '../generated/graphql.ts';
import { recordStockChanges } from '../domain/stock-events.ts';

const MAX_RESTOCK = 1_000_000;

export const Mutation: MutationResolvers = {
  async restock(_parent, { productId, quantity }, { prisma, outbox, requestId }) {
    if (!isUuid(productId)) throw badUserInput('productId is not a product id.', 'productId');
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_RESTOCK) {
      throw badUserInput(`quantity is between 1 and ${MAX_RESTOCK}.`, 'quantity');
    }
    // One atomic upsert: concurrent restocks add up instead of overwriting each other.
    return outbox.transaction(prisma, { requestId }, async (tx, publish) => {
      const upserted = await tx.stockItem.upsert({
        where: { productId },
        create: { productId, onHand: quantity },
        update: { onHand: { increment: quantity } },
      });
      await recordStockChanges(tx, publish, [productId]);
      return upserted;
    });
  },
};
