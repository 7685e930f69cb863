import type { BackgroundWorker, SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { NotificationsConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { ORDER_EVENTS_BINDINGS, ORDER_EVENTS_QUEUE, createOrderEventsHandler } from './handlers/order-events.ts';

/** orders' and shipping's order events, turned into notifications. */
export async function startNotificationsWorkers({ prisma, bus, log, outbox }: SubgraphDependencies<NotificationsConfig, PrismaClient>): Promise<BackgroundWorker[]> {
  const orderEvents = await bus.consume(ORDER_EVENTS_QUEUE, ORDER_EVENTS_BINDINGS, createOrderEventsHandler({ prisma, log, outbox }));
  return [{ stop: () => orderEvents.cancel() }];
}
