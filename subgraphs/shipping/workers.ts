import { startConsumers } from '../../common/messaging/consumer.ts';
import type { BackgroundWorker, SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { ShippingConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { orderEvents } from './handlers/order-events.ts';

/** orders' OrderConfirmed and OrderCancelled, kept as ShippableOrder. */
export async function startShippingWorkers({ prisma, bus, log }: SubgraphDependencies<ShippingConfig, PrismaClient>): Promise<BackgroundWorker[]> {
  return startConsumers(bus, log, [orderEvents({ prisma, log })]);
}
