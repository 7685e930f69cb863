import { randomUUID } from 'node:crypto';
import { NotificationAdded, OrderCancelled, OrderConfirmed, OrderDelivered, OrderPlaced, OrderShipped } from '../../../common/contracts/messages/index.ts';
import type { Logger } from '../../../common/logger.ts';
import { consumer, on, type ConsumerDefinition } from '../../../common/messaging/consumer.ts';
import type { Envelope } from '../../../common/messaging/envelope.ts';
import type { Outbox } from '../../../common/messaging/outbox-publisher.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { notificationText, type NotificationFacts } from '../domain/texts.ts';

export const ORDER_EVENTS_QUEUE = 'notifications.order-events';

/**
 * One notification per event for the order's customer. The message is handled once (inbox), and the
 * (orderId, kind) unique index absorbs the same event published again under a new message id, so a
 * customer is never told the same thing twice. The notification is dated when the event happened.
 * A NotificationAdded event leaves with it (same transaction: the outbox), for subscribers.
 */
export function orderEvents({ prisma, log, outbox }: { readonly prisma: PrismaClient; readonly log: Logger; readonly outbox: Outbox }): ConsumerDefinition {
  const notify = async (message: Envelope, userId: string, facts: NotificationFacts): Promise<void> => {
    const notificationId = randomUUID();
    await outbox.handleOnce(prisma, ORDER_EVENTS_QUEUE, message, async (tx, publish) => {
      const { count } = await tx.notification.createMany({
        data: [
          {
            id: notificationId,
            userId,
            orderId: facts.orderId,
            kind: facts.kind,
            ...notificationText(facts),
            sourceMessageId: message.id,
            createdAt: new Date(message.occurredAt),
          },
        ],
        skipDuplicates: true,
      });
      if (count === 0) {
        log.info({ orderId: facts.orderId, kind: facts.kind, messageId: message.id }, 'the customer was told of this already');
        return;
      }
      publish(NotificationAdded, { notificationId, userId, kind: facts.kind, at: new Date().toISOString() });
    });
  };
  return consumer({
    queue: ORDER_EVENTS_QUEUE,
    handlers: [
      on(OrderPlaced, (event, message) => notify(message, event.customerId, { kind: 'ORDER_PLACED', orderId: event.orderId, amount: event.amount, currency: event.currency })),
      on(OrderConfirmed, (event, message) => notify(message, event.customerId, { kind: 'ORDER_CONFIRMED', orderId: event.orderId })),
      on(OrderCancelled, (event, message) => notify(message, event.customerId, { kind: 'ORDER_CANCELLED', orderId: event.orderId, reason: event.reason })),
      on(OrderShipped, (event, message) =>
        notify(message, event.customerId, { kind: 'ORDER_SHIPPED', orderId: event.orderId, carrier: event.carrier, trackingNumber: event.trackingNumber }),
      ),
      on(OrderDelivered, (event, message) => notify(message, event.customerId, { kind: 'ORDER_DELIVERED', orderId: event.orderId })),
    ],
  });
}
