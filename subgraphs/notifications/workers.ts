import { startConsumers } from '../../common/messaging/consumer.ts';
import type { BackgroundWorker, SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { NotificationsConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { orderEvents } from './handlers/order-events.ts';

/** orders' and shipping's order events, turned into notifications. */
export async function startNotificationsWorkers({ prisma, bus, log, outbox }: SubgraphDependencies<NotificationsConfig, PrismaClient>): Promise<BackgroundWorker[]> {
  return startConsumers(bus, log, [orderEvents({ prisma, log, outbox })]);
}
