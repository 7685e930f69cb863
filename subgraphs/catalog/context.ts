import type { OutboxPublisher } from '../../common/service/subgraph-module.ts';
import type { SubgraphContext } from '../../common/subgraph/context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import type { CatalogLoaders } from './data/loaders.ts';

export interface CatalogContext extends SubgraphContext {
  readonly prisma: PrismaClient;
  readonly loaders: CatalogLoaders;
  readonly outbox: OutboxPublisher;
}
