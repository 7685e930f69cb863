import { createSubgraphServer, loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import type { SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { CatalogConfig } from './config.ts';
import type { CatalogContext } from './context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createCatalogLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';

export const typeDefs = loadTypeDefs(import.meta.url);

/** The catalog subgraph: products and categories. */
export function createCatalogServer(dependencies: SubgraphDependencies<CatalogConfig, PrismaClient>) {
  const { prisma, outbox } = dependencies;
  return createSubgraphServer<CatalogContext>({
    name: 'catalog',
    typeDefs,
    resolvers,
    permissions,
    dependencies,
    extendContext: (base) => ({ ...base, prisma, loaders: createCatalogLoaders(prisma), outbox }),
  });
}
