import { startConsumers } from '../../common/messaging/consumer.ts';
import type { BackgroundWorker, SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { CartConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { checkoutOutcomes } from './handlers/checkout-outcomes.ts';
import { productPrices } from './handlers/product-prices.ts';

/** The catalog price replica, and what orders answers to checkouts. */
export async function startCartWorkers({ prisma, bus, log, outbox }: SubgraphDependencies<CartConfig, PrismaClient>): Promise<BackgroundWorker[]> {
  return startConsumers(bus, log, [productPrices({ prisma, outbox }), checkoutOutcomes({ prisma, outbox })]);
}
