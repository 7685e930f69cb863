import type { Logger } from '../../common/logger.ts';
import { demoCategories, demoProducts } from '../../prisma/seed-data.ts';
import type { PrismaClient } from './generated/prisma/client.ts';

const SEED_TRANSACTION_TIMEOUT_MS = 60_000;

/** A catalog worth browsing: inserted once, into an empty catalog. */
export async function seedCatalog(prisma: PrismaClient, log: Logger): Promise<void> {
  if ((await prisma.product.count()) > 0) return;
  await prisma.$transaction(
    [
      prisma.category.createMany({ data: demoCategories, skipDuplicates: true }),
      prisma.product.createMany({
        data: demoProducts.map(({ stock: _stock, ...product }) => product),
        skipDuplicates: true,
      }),
    ],
    // Once, at start, while every service of npm start migrates and seeds at the same time: on a
    // busy laptop Prisma's 5 s default has been too short, and npm start died with it.
    { timeout: SEED_TRANSACTION_TIMEOUT_MS },
  );
  log.info({ categories: demoCategories.length, products: demoProducts.length }, 'seeded the demo catalog');
}
