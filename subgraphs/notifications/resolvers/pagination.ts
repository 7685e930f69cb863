import { badUserInput } from '../../../common/errors.ts';
import { isUuid } from '../../../common/loaders.ts';

export const MAX_NOTIFICATIONS_PAGE = 50;

export function checkNotificationsPage(first: number | null | undefined): number {
  const size = first ?? 10;
  if (!Number.isInteger(size) || size < 1 || size > MAX_NOTIFICATIONS_PAGE) {
    throw badUserInput(`first must be between 1 and ${MAX_NOTIFICATIONS_PAGE}.`, 'first');
  }
  return size;
}

/** A position in the newest-first order: the (createdAt, id) of the last notification seen. */
export interface NotificationPosition {
  readonly createdAt: Date;
  readonly id: string;
}

const PREFIX = 'notification:';

/**
 * The cursor carries the position itself, not just an id, so the next page starts right after it
 * even when that notification has left the filter meanwhile (read while paging `unreadOnly`).
 */
export const encodeNotificationCursor = ({ createdAt, id }: NotificationPosition) => Buffer.from(`${PREFIX}${createdAt.toISOString()}|${id}`).toString('base64url');

export function decodeNotificationCursor(cursor: string): NotificationPosition {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const [at, id] = decoded.startsWith(PREFIX) ? decoded.slice(PREFIX.length).split('|') : [];
  const createdAt = new Date(at ?? '');
  if (id === undefined || !isUuid(id) || Number.isNaN(createdAt.getTime())) throw badUserInput('after is not a valid cursor.', 'after');
  return { createdAt, id };
}
