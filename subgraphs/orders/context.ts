import type { OutboxPublisher } from '../../common/service/subgraph-module.ts';
import type { SubgraphContext } from '../../common/subgraph/context.ts';
import type { OrdersConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import type { OrdersLoaders } from './data/loaders.ts';
import type { SagaMetrics } from './domain/saga/saga-metrics.ts';

export interface OrdersContext extends SubgraphContext {
  readonly prisma: PrismaClient;
  readonly loaders: OrdersLoaders;
  readonly outbox: OutboxPublisher;
  readonly saga: OrdersConfig['saga'];
  /** Counts sagas that a customer's cancellation ends. */
  readonly sagaMetrics: SagaMetrics;
}
