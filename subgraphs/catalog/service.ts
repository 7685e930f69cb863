import { prismaOpener } from '../../common/database/prisma-client.ts';
import type { SubgraphModule } from '../../common/service/subgraph-module.ts';
import { loadCatalogConfig, type CatalogConfig } from './config.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { seedCatalog } from './seed.ts';
import { createCatalogServer } from './server.ts';

export const catalog: SubgraphModule<CatalogConfig, PrismaClient> = {
  name: 'catalog',
  loadConfig: loadCatalogConfig,
  openPrisma: prismaOpener(PrismaClient),
  seed: seedCatalog,
  outbox: true,
  createServer: createCatalogServer,
};
