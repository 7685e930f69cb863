import { randomUUID } from 'node:crypto';
import { DomainEventRoutes, type NotificationAdded } from '../../../common/contracts/domain-events.ts';
import { OrderCancelled, OrderConfirmed, OrderDelivered, OrderPlaced, OrderShipped, SagaRoutes } from '../../../common/contracts/order-saga.ts';
import type { Logger } from '../../../common/logger.ts';
import { createEnvelope, type Envelope } from '../../../common/messaging/envelope.ts';
import { handleOnce } from '../../../common/messaging/inbox.ts';
import { outboxRecord } from '../../../common/messaging/outbox.ts';
import type { OutboxPublisher } from '../../../common/service/subgraph-module.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { notificationText, type NotificationFacts } from '../texts.ts';

export const ORDER_EVENTS_QUEUE = 'notifications.order-events';
export const ORDER_EVENTS_BINDINGS = [
  SagaRoutes.orderPlaced,
  SagaRoutes.orderConfirmed,
  SagaRoutes.orderCancelled,
  SagaRoutes.orderShipped,
  SagaRoutes.orderDelivered,
] as const;

/** The customer to tell and what to tell them, from an event; null for an event this consumer does not handle. */
function factsOf(message: Envelope): { readonly userId: string; readonly facts: NotificationFacts } | null {
  switch (message.routingKey) {
    case SagaRoutes.orderPlaced: {
      const event = OrderPlaced.parse(message.payload);
      return { userId: event.customerId, facts: { kind: 'ORDER_PLACED', orderId: event.orderId, amount: event.amount, currency: event.currency } };
    }
    case SagaRoutes.orderConfirmed: {
      const event = OrderConfirmed.parse(message.payload);
      return { userId: event.customerId, facts: { kind: 'ORDER_CONFIRMED', orderId: event.orderId } };
    }
    case SagaRoutes.orderCancelled: {
      const event = OrderCancelled.parse(message.payload);
      return { userId: event.customerId, facts: { kind: 'ORDER_CANCELLED', orderId: event.orderId, reason: event.reason } };
    }
    case SagaRoutes.orderShipped: {
      const event = OrderShipped.parse(message.payload);
      return {
        userId: event.customerId,
        facts: { kind: 'ORDER_SHIPPED', orderId: event.orderId, carrier: event.carrier, trackingNumber: event.trackingNumber },
      };
    }
    case SagaRoutes.orderDelivered: {
      const event = OrderDelivered.parse(message.payload);
      return { userId: event.customerId, facts: { kind: 'ORDER_DELIVERED', orderId: event.orderId } };
    }
    default:
      return null;
  }
}

/**
 * One notification per event for the order's customer. The message is handled once (inbox), and the
 * (orderId, kind) unique index absorbs the same event published again under a new message id, so a
 * customer is never told the same thing twice. The notification is dated when the event happened.
 * A NotificationAdded event leaves with it (same transaction: the outbox), for subscribers.
 */
export function createOrderEventsHandler({ prisma, log, outbox }: { readonly prisma: PrismaClient; readonly log: Logger; readonly outbox: OutboxPublisher }) {
  return async (message: Envelope): Promise<void> => {
    const described = factsOf(message);
    if (!described) {
      log.warn({ routingKey: message.routingKey, messageId: message.id }, 'event with an unexpected routing key ignored');
      return;
    }
    const { userId, facts } = described;
    const notificationId = randomUUID();
    await handleOnce(prisma, ORDER_EVENTS_QUEUE, message, async (tx) => {
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
      const added: NotificationAdded = { notificationId, userId, kind: facts.kind, at: new Date().toISOString() };
      const headers = { 'correlation-id': message.headers['correlation-id'] ?? '', 'x-request-id': message.headers['x-request-id'] ?? message.id };
      await tx.outboxMessage.create({ data: outboxRecord(createEnvelope(DomainEventRoutes.notificationAdded, 'NotificationAdded', added, headers)) });
    });
    outbox.kick();
  };
}
