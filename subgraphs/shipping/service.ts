import { prismaOpener } from '../../common/database/prisma-client.ts';
import type { SubgraphModule } from '../../common/service/subgraph-module.ts';
import { loadShippingConfig, type ShippingConfig } from './config.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { createShippingServer } from './server.ts';
import { startShippingWorkers } from './workers.ts';

export const shipping: SubgraphModule<ShippingConfig, PrismaClient> = {
  name: 'shipping',
  loadConfig: loadShippingConfig,
  openPrisma: prismaOpener(PrismaClient),
  // OrderShipped and OrderDelivered are written to the OutboxMessage table in the mutation's transaction.
  outbox: true,
  inbox: true,
  startWorkers: startShippingWorkers,
  createServer: createShippingServer,
};
