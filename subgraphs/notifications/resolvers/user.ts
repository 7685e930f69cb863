import type { Prisma } from '../generated/prisma/client.ts';
import type { UserResolvers } from '../generated/graphql.ts';
import { checkNotificationsPage, decodeNotificationCursor, encodeNotificationCursor } from './pagination.ts';

export const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),

  /** Two statements whatever the page size: the page (one row more, to know of a next page) and the count. */
  async notifications(user, { first, after, unreadOnly }, { prisma }) {
    const take = checkNotificationsPage(first);
    const position = after ? decodeNotificationCursor(after) : null;
    const where: Prisma.NotificationWhereInput = { userId: user.id, ...(unreadOnly ? { readAt: null } : {}) };
    const afterPosition: Prisma.NotificationWhereInput = position
      ? { OR: [{ createdAt: { lt: position.createdAt } }, { createdAt: position.createdAt, id: { lt: position.id } }] }
      : {};
    const [rows, totalCount] = await Promise.all([
      prisma.notification.findMany({ where: { AND: [where, afterPosition] }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: take + 1 }),
      prisma.notification.count({ where }),
    ]);
    const page = rows.slice(0, take);
    const last = page.at(-1);
    return {
      edges: page.map((node) => ({ cursor: encodeNotificationCursor(node), node })),
      pageInfo: { hasNextPage: rows.length > take, endCursor: last ? encodeNotificationCursor(last) : null },
      totalCount,
    };
  },

  unreadNotificationCount: (user, _args, { loaders }) => loaders.unreadCountByUserId.load(user.id),
};
