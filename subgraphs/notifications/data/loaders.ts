import DataLoader from 'dataloader';
import { isUuid } from '../../../common/loaders.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export function createNotificationsLoaders(prisma: PrismaClient) {
  return {
    /** Each user's unread count: one grouped COUNT per batch of users, however many appear in a request. */
    unreadCountByUserId: new DataLoader<string, number>(async (userIds) => {
      const valid = userIds.filter(isUuid);
      const groups = valid.length > 0 ? await prisma.notification.groupBy({ by: ['userId'], where: { userId: { in: valid }, readAt: null }, _count: { _all: true } }) : [];
      const counts = new Map(groups.map((group) => [group.userId.toLowerCase(), group._count._all]));
      return userIds.map((userId) => counts.get(userId.toLowerCase()) ?? 0);
    }),
  };
}
export type NotificationsLoaders = ReturnType<typeof createNotificationsLoaders>;
