import { startConsumers } from '../../common/messaging/consumer.ts';
import type { BackgroundWorker, SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { InventoryConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { stockCommands } from './handlers/stock-commands.ts';

export async function startInventoryWorkers({ prisma, bus, log, outbox }: SubgraphDependencies<InventoryConfig, PrismaClient>): Promise<BackgroundWorker[]> {
  return startConsumers(bus, log, [stockCommands({ prisma, outbox })]);
}
