import type { SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import { createSubgraphServer, loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import type { OrdersConfig } from './config.ts';
import type { OrdersContext } from './context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createOrdersLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';
import { sagaMetrics } from './saga/saga-metrics.ts';

export const typeDefs = loadTypeDefs(import.meta.url);

/** The orders subgraph: the Order aggregate, placeOrder/cancelOrder, and User.orders. */
export function createOrdersServer(dependencies: SubgraphDependencies<OrdersConfig, PrismaClient>) {
  const { config, prisma, outbox, metrics } = dependencies;
  const sagaCounters = sagaMetrics(metrics.registry);
  return createSubgraphServer<OrdersContext>({
    name: 'orders',
    typeDefs,
    resolvers,
    permissions,
    dependencies,
    extendContext: (base) => ({ ...base, prisma, loaders: createOrdersLoaders(prisma), outbox, saga: config.saga, sagaMetrics: sagaCounters }),
  });
}
