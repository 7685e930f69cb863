import { notFound, unauthenticated } from '../../../common/errors.ts';
import { isUuid } from '../../../common/loaders.ts';
import type { MutationResolvers } from '../generated/graphql.ts';

export const Mutation: MutationResolvers = {
  /**
   * Marks the viewer's own notification read; one already read keeps its readAt. Anyone else's
   * (admins included) is reported exactly like a missing one, and nothing changes.
   */
  async markNotificationRead(_parent, { id }, { viewer, prisma }) {
    if (!viewer) throw unauthenticated();
    if (!isUuid(id)) throw notFound('Notification');
    const [marked] = await prisma.notification.updateManyAndReturn({ where: { id, userId: viewer.id, readAt: null }, data: { readAt: new Date() } });
    const notification = marked ?? (await prisma.notification.findFirst({ where: { id, userId: viewer.id } }));
    if (!notification) throw notFound('Notification');
    return notification;
  },
};
