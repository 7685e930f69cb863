import type { OutboxPublisher } from '../../common/service/subgraph-module.ts';
import type { SubgraphContext } from '../../common/subgraph/context.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import type { CheckoutMetrics } from './domain/checkout-metrics.ts';
import type { CartLoaders } from './data/loaders.ts';

export interface CartContext extends SubgraphContext {
  readonly prisma: PrismaClient;
  readonly loaders: CartLoaders;
  readonly outbox: OutboxPublisher;
  readonly checkoutWaitMs: number;
  readonly checkoutMetrics: CheckoutMetrics;
}
