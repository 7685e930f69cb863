import type { BackgroundWorker, SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { CartConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { CHECKOUT_OUTCOMES_BINDINGS, CHECKOUT_OUTCOMES_QUEUE, createCheckoutOutcomesHandler } from './handlers/checkout-outcomes.ts';
import { PRODUCT_PRICES_BINDINGS, PRODUCT_PRICES_QUEUE, createProductPricesHandler } from './handlers/product-prices.ts';

/** The catalog price replica, and what orders answers to checkouts. */
export async function startCartWorkers({ prisma, bus, outbox }: SubgraphDependencies<CartConfig, PrismaClient>): Promise<BackgroundWorker[]> {
  const prices = await bus.consume(PRODUCT_PRICES_QUEUE, PRODUCT_PRICES_BINDINGS, createProductPricesHandler(prisma, outbox));
  const outcomes = await bus.consume(CHECKOUT_OUTCOMES_QUEUE, CHECKOUT_OUTCOMES_BINDINGS, createCheckoutOutcomesHandler(prisma, outbox));
  return [prices, outcomes].map((consumer) => ({ stop: () => consumer.cancel() }));
}
