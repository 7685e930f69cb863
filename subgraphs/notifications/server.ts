import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import { createSubgraphServer } from '../../common/subgraph/create-subgraph-server.ts';
import type { NotificationsConfig } from './config.ts';
import type { NotificationsContext } from './context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createNotificationsLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** The notifications subgraph: User.notifications, User.unreadNotificationCount and markNotificationRead. */
export function createNotificationsServer({ config, prisma, log, metrics, health }: SubgraphDependencies<NotificationsConfig, PrismaClient>) {
  return createSubgraphServer<NotificationsContext>({
    name: 'notifications',
    typeDefs,
    resolvers,
    permissions,
    gatewaySecret: config.gatewaySecret,
    maxBodyBytes: config.maxBodyBytes,
    log,
    metrics,
    health,
    extendContext: (base) => ({ ...base, prisma, loaders: createNotificationsLoaders(prisma) }),
  });
}
