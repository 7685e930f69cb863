import { startConsumers } from '../../common/messaging/consumer.ts';
import type { BackgroundWorker, SubgraphService } from '../../common/service/subgraph-module.ts';
import type { OrdersConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { checkoutRequests } from './handlers/checkout-requests.ts';
import { productSnapshots } from './handlers/product-snapshot.ts';
import { shippingEvents } from './handlers/shipping-events.ts';
import { sagaReplies } from './handlers/reply-handler.ts';
import type { SagaMetrics } from './domain/saga/saga-metrics.ts';

/** The saga's reply consumer, shipping's progress, the catalog price replica, and the cart's checkouts. */
export async function startOrdersWorkers({
  config,
  prisma,
  bus,
  outbox,
  log,
  parts: { saga },
}: SubgraphService<OrdersConfig, PrismaClient, { readonly saga: SagaMetrics }>): Promise<BackgroundWorker[]> {
  return startConsumers(bus, log, [
    sagaReplies({ prisma, outbox, metrics: saga, stepTimeoutMs: config.saga.stepTimeoutMs }),
    productSnapshots(prisma),
    shippingEvents(prisma, outbox),
    checkoutRequests({ prisma, outbox, stepTimeoutMs: config.saga.stepTimeoutMs }),
  ]);
}
