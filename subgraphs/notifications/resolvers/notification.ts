import type { NotificationResolvers } from '../generated/graphql.ts';

export const Notification: NotificationResolvers = {
  order: (notification) => (notification.orderId ? { id: notification.orderId } : null),
  read: (notification) => notification.readAt !== null,
};
