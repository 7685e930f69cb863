import type { SubgraphContext } from '../../common/subgraph/context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import type { NotificationsLoaders } from './data/loaders.ts';

export interface NotificationsContext extends SubgraphContext {
  readonly prisma: PrismaClient;
  readonly loaders: NotificationsLoaders;
}
