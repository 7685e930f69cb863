import { prismaOpener } from '../../common/database/prisma-client.ts';
import type { SubgraphModule } from '../../common/service/subgraph-module.ts';
import { loadOrdersConfig, type OrdersConfig } from './config.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { seedOrders } from './seed.ts';
import { createOrdersServer } from './server.ts';
import { startOrdersWorkers } from './workers.ts';

export const orders: SubgraphModule<OrdersConfig, PrismaClient> = {
  name: 'orders',
  loadConfig: loadOrdersConfig,
  openPrisma: prismaOpener(PrismaClient),
  seed: seedOrders,
  outbox: true,
  inbox: true,
  startWorkers: startOrdersWorkers,
  createServer: createOrdersServer,
};
