import { startConsumers } from '../../common/messaging/consumer.ts';
import type { BackgroundWorker, SubgraphDependencies } from '../../common/service/subgraph-module.ts';
import type { OrdersConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { checkoutRequests } from './handlers/checkout-requests.ts';
import { productSnapshots } from './handlers/product-snapshot.ts';
import { shippingEvents } from './handlers/shipping-events.ts';
import { sagaReplies } from './saga/reply-handler.ts';
import { sagaMetrics } from './saga/saga-metrics.ts';
import { startTimeoutSweeper } from './saga/timeout-sweeper.ts';

/** The saga's reply consumer, its timeout sweeper, shipping's progress, the catalog price replica, and the cart's checkouts. */
export async function startOrdersWorkers({ config, prisma, bus, outbox, log, metrics }: SubgraphDependencies<OrdersConfig, PrismaClient>): Promise<BackgroundWorker[]> {
  const saga = sagaMetrics(metrics.registry);
  const consumers = await startConsumers(bus, log, [
    sagaReplies({ prisma, outbox, metrics: saga, stepTimeoutMs: config.saga.stepTimeoutMs }),
    productSnapshots(prisma),
    shippingEvents(prisma, outbox),
    checkoutRequests({ prisma, outbox, stepTimeoutMs: config.saga.stepTimeoutMs }),
  ]);
  const sweeper = startTimeoutSweeper({ prisma, outbox, log, metrics: saga, intervalMs: config.saga.sweepIntervalMs });
  return [...consumers, sweeper];
}
