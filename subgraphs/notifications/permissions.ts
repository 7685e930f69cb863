import { allow } from 'graphql-shield';
import { isAuthenticated, isOwnerOrAdmin } from '../../common/subgraph/rules.ts';
import type { Notification } from './generated/prisma/client.ts';
import type { UserReference } from './resolvers/references.ts';
import type { PermissionsFor } from '../../common/subgraph/permissions.ts';
import type { Resolvers } from './generated/graphql.ts';

const ownUser = isOwnerOrAdmin((user: UserReference) => user.id);

// Deny by default (subgraphShield). A notification is its user's and the admins': the rule sits on
// the type, so it holds however it is reached. Marking read is for its user only (the resolver).
export const permissions: PermissionsFor<Resolvers> = {
  User: { id: allow, notifications: ownUser, unreadNotificationCount: ownUser },
  Notification: isOwnerOrAdmin((notification: Notification) => notification.userId),
  NotificationConnection: allow,
  NotificationEdge: allow,
  PageInfo: allow,
  Order: allow,
  Query: { notification: isAuthenticated },
  Mutation: { markNotificationRead: isAuthenticated },
};
