import { prismaOpener } from '../../common/database/prisma-client.ts';
import { defineSubgraph } from '../../common/service/subgraph-module.ts';
import { loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import { loadInventoryConfig } from './config.ts';
import type { InventoryContext } from './context.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { createInventoryLoaders } from './data/loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';
import { seedInventory } from './seed.ts';
import { startInventoryWorkers } from './workers.ts';

/** The inventory subgraph: stock levels, contributed to catalog's Product. */
export const inventory = defineSubgraph({
  name: 'inventory',
  loadConfig: loadInventoryConfig,
  openPrisma: prismaOpener(PrismaClient),
  seed: seedInventory,
  outbox: true,
  typeDefs: loadTypeDefs(import.meta.url),
  resolvers,
  permissions,
  context: (base, { prisma, outbox }): InventoryContext => ({ ...base, prisma, loaders: createInventoryLoaders(prisma), outbox }),
  consumers: startInventoryWorkers,
});
