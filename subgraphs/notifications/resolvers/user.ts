import type { Prisma } from '../generated/prisma/client.ts';
import type { UserResolvers } from '../generated/graphql.ts';
import { isUuid } from '../../../common/loaders.ts';
import { connectionOf, cursorCodec, pageSize } from '../../../common/pagination.ts';

const PAGE = { fallback: 10, max: 50 };

/** A position in the newest-first order: the (createdAt, id) of the last notification seen. */
interface NotificationPosition {
  readonly createdAt: Date;
  readonly id: string;
}

/**
 * The cursor carries the position itself, not just an id, so the next page starts right after it
 * even when that notification has left the filter meanwhile (read while paging `unreadOnly`).
 */
const cursor = cursorCodec<NotificationPosition>(
  'notification',
  ({ createdAt, id }) => `${createdAt.toISOString()}|${id}`,
  (value) => {
    const [at, id] = value.split('|');
    const createdAt = new Date(at ?? '');
    return id !== undefined && isUuid(id) && !Number.isNaN(createdAt.getTime()) ? { createdAt, id } : undefined;
  },
);

export const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),

  /** Two statements whatever the page size: the page (one row more, to know of a next page) and the count. */
  async notifications(user, { first, after, unreadOnly }, { prisma }) {
    const take = pageSize(first, PAGE);
    const position = after ? cursor.decode(after) : null;
    const where: Prisma.NotificationWhereInput = { userId: user.id, ...(unreadOnly ? { readAt: null } : {}) };
    const afterPosition: Prisma.NotificationWhereInput = position
      ? { OR: [{ createdAt: { lt: position.createdAt } }, { createdAt: position.createdAt, id: { lt: position.id } }] }
      : {};
    const [rows, totalCount] = await Promise.all([
      prisma.notification.findMany({ where: { AND: [where, afterPosition] }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: take + 1 }),
      prisma.notification.count({ where }),
    ]);
    return { ...connectionOf(rows, take, (notification) => cursor.encode(notification)), totalCount };
  },

  unreadNotificationCount: (user, _args, { loaders }) => loaders.unreadCountByUserId.load(user.id),
};
