import { prismaOpener } from '../../common/database/prisma-client.ts';
import { defineSubgraph } from '../../common/service/subgraph-module.ts';
import { loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import { loadShippingConfig } from './config.ts';
import type { ShippingContext } from './context.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { createShippingLoaders } from './data/loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';
import { startShippingWorkers } from './workers.ts';

/** The shipping subgraph: Order.shipment, shipOrder and markDelivered. */
export const shipping = defineSubgraph({
  name: 'shipping',
  loadConfig: loadShippingConfig,
  openPrisma: prismaOpener(PrismaClient),
  // OrderShipped and OrderDelivered are written to the OutboxMessage table in the mutation's transaction.
  outbox: true,
  inbox: true,
  typeDefs: loadTypeDefs(import.meta.url),
  resolvers,
  permissions,
  context: (base, { prisma, outbox }): ShippingContext => ({ ...base, prisma, loaders: createShippingLoaders(prisma), outbox }),
  consumers: startShippingWorkers,
});
