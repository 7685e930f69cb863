import type { BackgroundWorker, SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { InventoryConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { STOCK_COMMAND_BINDINGS, STOCK_COMMAND_QUEUE, createStockCommandHandler } from './handlers/stock-commands.ts';

export async function startInventoryWorkers({ prisma, bus, outbox }: SubgraphDependencies<InventoryConfig, PrismaClient>): Promise<BackgroundWorker[]> {
  const commands = await bus.consume(STOCK_COMMAND_QUEUE, STOCK_COMMAND_BINDINGS, createStockCommandHandler(prisma, outbox));
  return [{ stop: () => commands.cancel() }];
}
