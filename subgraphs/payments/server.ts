import { createSubgraphServer, loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import type { SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { PaymentsConfig } from './config.ts';
import type { PaymentsContext } from './context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createPaymentsLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';

export const typeDefs = loadTypeDefs(import.meta.url);

/** The payments subgraph: each order's payment, contributed to orders' Order. */
export function createPaymentsServer(dependencies: SubgraphDependencies<PaymentsConfig, PrismaClient>) {
  const { prisma } = dependencies;
  return createSubgraphServer<PaymentsContext>({
    name: 'payments',
    typeDefs,
    resolvers,
    permissions,
    dependencies,
    extendContext: (base) => ({ ...base, prisma, loaders: createPaymentsLoaders(prisma) }),
  });
}
