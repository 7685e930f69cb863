import type { SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import { createSubgraphServer, loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import type { ShippingConfig } from './config.ts';
import type { ShippingContext } from './context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createShippingLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';

export const typeDefs = loadTypeDefs(import.meta.url);

/** The shipping subgraph: Order.shipment, shipOrder and markDelivered. */
export function createShippingServer(dependencies: SubgraphDependencies<ShippingConfig, PrismaClient>) {
  const { prisma, outbox } = dependencies;
  return createSubgraphServer<ShippingContext>({
    name: 'shipping',
    typeDefs,
    resolvers,
    permissions,
    dependencies,
    extendContext: (base) => ({ ...base, prisma, loaders: createShippingLoaders(prisma), outbox }),
  });
}
