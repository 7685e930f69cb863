import { z } from 'zod';

/**
 * Domain events that are not part of the order saga, shared by publisher and consumer like
 * order-saga.ts. The gateway reads none of these by name: Subscription fields declare the topic
 * and the payload fields they use with `@event` in their subgraph's schema.
 */
export const DomainEventRoutes = {
  /** notifications: a notification was created for a user. */
  notificationAdded: 'notifications.notification-added',
  /** inventory: a product's stock moved (restock, reservation, release, commit). */
  stockChanged: 'inventory.stock-changed',
} as const;

const id = z.string().uuid();

export const NotificationAdded = z.object({ notificationId: id, userId: id, kind: z.string(), at: z.string() });
export const StockChanged = z.object({ productId: id, available: z.number().int(), at: z.string() });

export type NotificationAdded = z.infer<typeof NotificationAdded>;
export type StockChanged = z.infer<typeof StockChanged>;
