import type { OutboxPublisher } from '../../common/service/subgraph-module.ts';
import type { SubgraphContext } from '../../common/subgraph/context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import type { ShippingLoaders } from './data/loaders.ts';

export interface ShippingContext extends SubgraphContext {
  readonly prisma: PrismaClient;
  readonly loaders: ShippingLoaders;
  /** Publishes OrderShipped / OrderDelivered as soon as the mutation's transaction commits. */
  readonly outbox: OutboxPublisher;
}
