import { prismaOpener } from '../../common/database/prisma-client.ts';
import { defineSubgraph } from '../../common/service/subgraph-module.ts';
import { loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import { loadNotificationsConfig } from './config.ts';
import type { NotificationsContext } from './context.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { createNotificationsLoaders } from './data/loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';
import { startNotificationsWorkers } from './workers.ts';

/** The notifications subgraph: User.notifications, User.unreadNotificationCount and markNotificationRead. */
// It consumes order events (an inbox) and publishes NotificationAdded (an outbox).
export const notifications = defineSubgraph({
  name: 'notifications',
  loadConfig: loadNotificationsConfig,
  openPrisma: prismaOpener(PrismaClient),
  outbox: true,
  inbox: true,
  typeDefs: loadTypeDefs(import.meta.url),
  resolvers,
  permissions,
  context: (base, { prisma }): NotificationsContext => ({ ...base, prisma, loaders: createNotificationsLoaders(prisma) }),
  consumers: startNotificationsWorkers,
});
