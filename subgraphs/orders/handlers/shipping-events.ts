import { OrderDelivered, OrderShipped } from '../../../common/contracts/messages/index.ts';
import { consumer, on, type ConsumerDefinition } from '../../../common/messaging/consumer.ts';
import type { Envelope } from '../../../common/messaging/envelope.ts';
import type { Outbox } from '../../../common/messaging/outbox-publisher.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { advanceFulfilment } from '../domain/saga/transitions.ts';

export const SHIPPING_EVENTS_QUEUE = 'orders.shipping-events';

/** Moves orders along as shipping reports them shipped and delivered; each event counts once. */
export function shippingEvents(prisma: PrismaClient, outbox: Outbox): ConsumerDefinition {
  const advance = (orderId: string, to: 'SHIPPED' | 'DELIVERED', message: Envelope) =>
    outbox.handleOnce(prisma, SHIPPING_EVENTS_QUEUE, message, async (tx, publish) => {
      const order = await tx.order.findUnique({ where: { id: orderId } });
      if (order) await advanceFulfilment(tx, publish, order, to);
    });
  return consumer({
    queue: SHIPPING_EVENTS_QUEUE,
    handlers: [
      on(OrderShipped, async ({ orderId }, message) => void (await advance(orderId, 'SHIPPED', message))),
      on(OrderDelivered, async ({ orderId }, message) => void (await advance(orderId, 'DELIVERED', message))),
    ],
  });
}
