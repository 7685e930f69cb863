import type { Logger } from '../../common/logger.ts';
import { demoProducts } from '../../prisma/seed-data.ts';
import type { PrismaClient } from './generated/prisma/client.ts';

/** Stock for the demo catalog (the same product ids catalog seeds), inserted once. */
export async function seedInventory(prisma: PrismaClient, log: Logger): Promise<void> {
  if ((await prisma.stockItem.count()) > 0) return;
  await prisma.stockItem.createMany({
    data: demoProducts.map(({ id, stock }) => ({ productId: id, onHand: stock })),
    skipDuplicates: true,
  });
  log.info({ products: demoProducts.length }, 'seeded demo stock');
}
