import { prismaOpener } from '../../common/database/prisma-client.ts';
import type { SubgraphModule } from '../../common/service/subgraph-module.ts';
import { loadNotificationsConfig, type NotificationsConfig } from './config.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { createNotificationsServer } from './server.ts';
import { startNotificationsWorkers } from './workers.ts';

// notifications only consumes events: an inbox, no outbox.
export const notifications: SubgraphModule<NotificationsConfig, PrismaClient> = {
  name: 'notifications',
  loadConfig: loadNotificationsConfig,
  openPrisma: prismaOpener(PrismaClient),
  inbox: true,
  startWorkers: startNotificationsWorkers,
  createServer: createNotificationsServer,
};
