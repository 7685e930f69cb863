import type { BackgroundWorker, SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { ShippingConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { ORDER_EVENTS_BINDINGS, ORDER_EVENTS_QUEUE, createOrderEventsHandler } from './handlers/order-events.ts';

/** orders' OrderConfirmed and OrderCancelled, kept as ShippableOrder. */
export async function startShippingWorkers({ prisma, bus, log }: SubgraphDependencies<ShippingConfig, PrismaClient>): Promise<BackgroundWorker[]> {
  const orderEvents = await bus.consume(ORDER_EVENTS_QUEUE, ORDER_EVENTS_BINDINGS, createOrderEventsHandler({ prisma, log }));
  return [{ stop: () => orderEvents.cancel() }];
}
