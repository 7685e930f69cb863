import { prismaOpener } from '../../common/database/prisma-client.ts';
import type { SubgraphModule } from '../../common/service/subgraph-module.ts';
import { loadCartConfig, type CartConfig } from './config.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { seedCart } from './seed.ts';
import { createCartServer } from './server.ts';
import { startCartWorkers } from './workers.ts';

export const cart: SubgraphModule<CartConfig, PrismaClient> = {
  name: 'cart',
  loadConfig: loadCartConfig,
  openPrisma: prismaOpener(PrismaClient),
  seed: seedCart,
  outbox: true,
  inbox: true,
  startWorkers: startCartWorkers,
  createServer: createCartServer,
};
