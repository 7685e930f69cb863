import { prismaOpener } from '../../common/database/prisma-client.ts';
import type { SubgraphModule } from '../../common/service/subgraph-module.ts';
import { loadNotificationsConfig, type NotificationsConfig } from './config.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { createNotificationsServer } from './server.ts';
import { startNotificationsWorkers } from './workers.ts';

// notifications consumes order events (an inbox) and publishes NotificationAdded (an outbox).
export const notifications: SubgraphModule<NotificationsConfig, PrismaClient> = {
  name: 'notifications',
  loadConfig: loadNotificationsConfig,
  openPrisma: prismaOpener(PrismaClient),
  outbox: true,
  inbox: true,
  startWorkers: startNotificationsWorkers,
  createServer: createNotificationsServer,
};
