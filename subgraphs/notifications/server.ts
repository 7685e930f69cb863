import type { SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import { createSubgraphServer, loadTypeDefs } from '../../common/subgraph/create-subgraph-server.ts';
import type { NotificationsConfig } from './config.ts';
import type { NotificationsContext } from './context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createNotificationsLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';

export const typeDefs = loadTypeDefs(import.meta.url);

/** The notifications subgraph: User.notifications, User.unreadNotificationCount and markNotificationRead. */
export function createNotificationsServer(dependencies: SubgraphDependencies<NotificationsConfig, PrismaClient>) {
  const { prisma } = dependencies;
  return createSubgraphServer<NotificationsContext>({
    name: 'notifications',
    typeDefs,
    resolvers,
    permissions,
    dependencies,
    extendContext: (base) => ({ ...base, prisma, loaders: createNotificationsLoaders(prisma) }),
  });
}
