import type { BackgroundWorker, SubgraphService } from '../../common/service/subgraph-module.ts';
import type { OrdersConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { CHECKOUT_REQUESTS_BINDINGS, CHECKOUT_REQUESTS_QUEUE, createCheckoutRequestsHandler } from './handlers/checkout-requests.ts';
import { PRODUCT_SNAPSHOT_BINDINGS, PRODUCT_SNAPSHOT_QUEUE, createProductSnapshotHandler } from './handlers/product-snapshot.ts';
import { SHIPPING_EVENTS_BINDINGS, SHIPPING_EVENTS_QUEUE, createShippingEventsHandler } from './handlers/shipping-events.ts';
import { SAGA_REPLY_BINDINGS, SAGA_REPLY_QUEUE, createSagaReplyHandler } from './saga/reply-handler.ts';
import type { SagaMetrics } from './saga/saga-metrics.ts';

/** The saga's reply consumer, shipping's progress, the catalog price replica, and the cart's checkouts. */
export async function startOrdersWorkers({
  config,
  prisma,
  bus,
  outbox,
  log,
  parts: { saga },
}: SubgraphService<OrdersConfig, PrismaClient, { readonly saga: SagaMetrics }>): Promise<BackgroundWorker[]> {
  const replies = await bus.consume(
    SAGA_REPLY_QUEUE,
    SAGA_REPLY_BINDINGS,
    createSagaReplyHandler({ prisma, outbox, log, metrics: saga, stepTimeoutMs: config.saga.stepTimeoutMs }),
  );
  const prices = await bus.consume(PRODUCT_SNAPSHOT_QUEUE, PRODUCT_SNAPSHOT_BINDINGS, createProductSnapshotHandler(prisma));
  const shipping = await bus.consume(SHIPPING_EVENTS_QUEUE, SHIPPING_EVENTS_BINDINGS, createShippingEventsHandler(prisma, outbox));
  const checkouts = await bus.consume(
    CHECKOUT_REQUESTS_QUEUE,
    CHECKOUT_REQUESTS_BINDINGS,
    createCheckoutRequestsHandler({ prisma, outbox, stepTimeoutMs: config.saga.stepTimeoutMs }),
  );
  return [replies, prices, shipping, checkouts].map((consumer) => ({ stop: () => consumer.cancel() }));
}
