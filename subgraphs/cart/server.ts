import type { SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import { createSubgraphServer, loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import { checkoutMetrics } from './checkout-metrics.ts';
import type { CartConfig } from './config.ts';
import type { CartContext } from './context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createCartLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';

export const typeDefs = loadTypeDefs(import.meta.url);

/** The cart subgraph: Cart, its mutations, checkout, and User.cart. */
export function createCartServer(dependencies: SubgraphDependencies<CartConfig, PrismaClient>) {
  const { config, prisma, outbox, metrics } = dependencies;
  const checkouts = checkoutMetrics(metrics.registry);
  return createSubgraphServer<CartContext>({
    name: 'cart',
    typeDefs,
    resolvers,
    permissions,
    dependencies,
    extendContext: (base) => ({ ...base, prisma, loaders: createCartLoaders(prisma), outbox, checkoutWaitMs: config.checkoutWaitMs, checkoutMetrics: checkouts }),
  });
}
