import type { Logger } from '../../common/logger.ts';
import { demoProducts } from '../../prisma/seed-data.ts';
import type { PrismaClient } from './generated/prisma/client.ts';

/** The demo catalog's prices, so orders can be placed before catalog has published anything. */
export async function seedOrders(prisma: PrismaClient, log: Logger): Promise<void> {
  if ((await prisma.productSnapshot.count()) > 0) return;
  await prisma.productSnapshot.createMany({
    data: demoProducts.map(({ id, name, priceAmount }) => ({ productId: id, name, priceAmount, priceCurrency: 'USD' })),
    skipDuplicates: true,
  });
  log.info({ products: demoProducts.length }, 'seeded demo product prices');
}
