import { prismaOpener } from '../../common/database/prisma-client.ts';
import { defineSubgraph } from '../../common/service/subgraph-module.ts';
import { loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import { checkoutMetrics } from './domain/checkout-metrics.ts';
import { loadCartConfig } from './config.ts';
import type { CartContext } from './context.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { createCartLoaders } from './data/loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';
import { seedCart } from './seed.ts';
import { startCartWorkers } from './workers.ts';

/** The cart subgraph: Cart, its mutations, checkout, and User.cart. */
export const cart = defineSubgraph({
  name: 'cart',
  loadConfig: loadCartConfig,
  openPrisma: prismaOpener(PrismaClient),
  seed: seedCart,
  outbox: true,
  inbox: true,
  typeDefs: loadTypeDefs(import.meta.url),
  resolvers,
  permissions,
  parts: ({ metrics }) => ({ checkouts: checkoutMetrics(metrics.registry) }),
  context: (base, { config, prisma, outbox, parts }): CartContext => ({
    ...base,
    prisma,
    loaders: createCartLoaders(prisma),
    outbox,
    checkoutWaitMs: config.checkoutWaitMs,
    checkoutMetrics: parts.checkouts,
  }),
  consumers: startCartWorkers,
});
