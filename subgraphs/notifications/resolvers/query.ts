import { notFound } from '../../../common/errors.ts';
import { isUuid } from '../../../common/loaders.ts';
import type { QueryResolvers } from '../generated/graphql.ts';

export const Query: QueryResolvers = {
  async notification(_parent, { id }, { viewer, prisma }) {
    if (!isUuid(id)) throw notFound('Notification');
    const notification = await prisma.notification.findUnique({ where: { id } });
    // Someone else's notification is reported exactly like a missing one.
    if (!notification || (viewer?.role !== 'ADMIN' && notification.userId !== viewer?.id)) throw notFound('Notification');
    return notification;
  },
};
