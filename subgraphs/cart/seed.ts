import type { Logger } from '../../common/logger.ts';
import { demoProducts } from '../../prisma/seed-data.ts';
import type { PrismaClient } from './generated/prisma/client.ts';

/**
 * The demo catalog's prices, so carts work before catalog has published anything. The demo
 * customer's cart is filled through the gateway by `npm start` (scripts/demo-orders.ts): only
 * accounts knows the customer's id.
 */
export async function seedCart(prisma: PrismaClient, log: Logger): Promise<void> {
  if ((await prisma.productPrice.count()) > 0) return;
  await prisma.productPrice.createMany({
    data: demoProducts.map(({ id, name, priceAmount }) => ({ productId: id, name, priceAmount, priceCurrency: 'USD' })),
    skipDuplicates: true,
  });
  log.info({ products: demoProducts.length }, 'seeded demo product prices');
}
