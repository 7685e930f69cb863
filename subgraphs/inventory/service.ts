import { prismaOpener } from '../../common/database/prisma-client.ts';
import type { SubgraphModule } from '../../common/service/subgraph-module.ts';
import { loadInventoryConfig, type InventoryConfig } from './config.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { seedInventory } from './seed.ts';
import { createInventoryServer } from './server.ts';
import { startInventoryWorkers } from './workers.ts';

export const inventory: SubgraphModule<InventoryConfig, PrismaClient> = {
  name: 'inventory',
  loadConfig: loadInventoryConfig,
  openPrisma: prismaOpener(PrismaClient),
  seed: seedInventory,
  outbox: true,
  startWorkers: startInventoryWorkers,
  createServer: createInventoryServer,
};
