import { OrderDelivered, OrderShipped, SagaRoutes } from '../../../common/contracts/order-saga.ts';
import type { Envelope } from '../../../common/messaging/envelope.ts';
import { handleOnce } from '../../../common/messaging/inbox.ts';
import type { OutboxPublisher } from '../../../common/service/subgraph-module.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { advanceFulfilment } from '../saga/transitions.ts';

export const SHIPPING_EVENTS_QUEUE = 'orders.shipping-events';
export const SHIPPING_EVENTS_BINDINGS = [SagaRoutes.orderShipped, SagaRoutes.orderDelivered] as const;

/** Moves orders along as shipping reports them shipped and delivered; each event counts once. */
export function createShippingEventsHandler(prisma: PrismaClient, outbox: OutboxPublisher) {
  return async (message: Envelope): Promise<void> => {
    const shipped = message.routingKey === SagaRoutes.orderShipped;
    const { orderId } = shipped ? OrderShipped.parse(message.payload) : OrderDelivered.parse(message.payload);
    const trace = { requestId: message.headers['x-request-id'] ?? message.id };
    const outcome = await handleOnce(prisma, SHIPPING_EVENTS_QUEUE, message, async (tx) => {
      const order = await tx.order.findUnique({ where: { id: orderId } });
      if (order) await advanceFulfilment(tx, order, shipped ? 'SHIPPED' : 'DELIVERED', trace);
    });
    if (outcome === 'handled') outbox.kick();
  };
}
