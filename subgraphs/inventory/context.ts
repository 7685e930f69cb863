import type { OutboxPublisher } from '../../common/service/subgraph-module.ts';
import type { SubgraphContext } from '../../common/subgraph/context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import type { InventoryLoaders } from './data/loaders.ts';

export interface InventoryContext extends SubgraphContext {
  readonly prisma: PrismaClient;
  readonly loaders: InventoryLoaders;
  /** Publishes the StockChanged a mutation wrote, at once. */
  readonly outbox: OutboxPublisher;
}
