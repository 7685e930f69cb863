import { prismaOpener } from '../../common/database/prisma-client.ts';
import { defineSubgraph } from '../../common/service/subgraph-module.ts';
import { loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import { loadCatalogConfig } from './config.ts';
import type { CatalogContext } from './context.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { createCatalogLoaders } from './data/loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';
import { seedCatalog } from './seed.ts';

/** The catalog subgraph: products and categories. */
export const catalog = defineSubgraph({
  name: 'catalog',
  loadConfig: loadCatalogConfig,
  openPrisma: prismaOpener(PrismaClient),
  seed: seedCatalog,
  outbox: true,
  typeDefs: loadTypeDefs(import.meta.url),
  resolvers,
  permissions,
  context: (base, { prisma, outbox }): CatalogContext => ({ ...base, prisma, loaders: createCatalogLoaders(prisma), outbox }),
});
