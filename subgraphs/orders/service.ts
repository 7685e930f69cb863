import { prismaOpener } from '../../common/database/prisma-client.ts';
import { defineSubgraph } from '../../common/service/subgraph-module.ts';
import { loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import { loadOrdersConfig } from './config.ts';
import type { OrdersContext } from './context.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { createOrdersLoaders } from './data/loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';
import { sagaMetrics } from './domain/saga/saga-metrics.ts';
import { startTimeoutSweeper } from './domain/saga/timeout-sweeper.ts';
import { seedOrders } from './seed.ts';
import { startOrdersWorkers } from './workers.ts';

/** The orders subgraph: the Order aggregate, placeOrder/cancelOrder, and User.orders. */
export const orders = defineSubgraph({
  name: 'orders',
  loadConfig: loadOrdersConfig,
  openPrisma: prismaOpener(PrismaClient),
  seed: seedOrders,
  outbox: true,
  inbox: true,
  typeDefs: loadTypeDefs(import.meta.url),
  resolvers,
  permissions,
  // Built once: customer cancellations (the context), replies and the sweeper count into the same counters.
  parts: ({ metrics }) => ({ saga: sagaMetrics(metrics.registry) }),
  context: (base, { config, prisma, outbox, parts }): OrdersContext => ({
    ...base,
    prisma,
    loaders: createOrdersLoaders(prisma),
    outbox,
    saga: config.saga,
    sagaMetrics: parts.saga,
  }),
  consumers: startOrdersWorkers,
  timers: ({ config, prisma, outbox, log, parts }) => [startTimeoutSweeper({ prisma, outbox, log, metrics: parts.saga, intervalMs: config.saga.sweepIntervalMs })],
});
