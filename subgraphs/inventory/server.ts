import { createSubgraphServer, loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import type { SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { InventoryConfig } from './config.ts';
import type { InventoryContext } from './context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createInventoryLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';

export const typeDefs = loadTypeDefs(import.meta.url);

/** The inventory subgraph: stock levels, contributed to catalog's Product. */
export function createInventoryServer(dependencies: SubgraphDependencies<InventoryConfig, PrismaClient>) {
  const { prisma, outbox } = dependencies;
  return createSubgraphServer<InventoryContext>({
    name: 'inventory',
    typeDefs,
    resolvers,
    permissions,
    dependencies,
    extendContext: (base) => ({ ...base, prisma, loaders: createInventoryLoaders(prisma), outbox }),
  });
}
