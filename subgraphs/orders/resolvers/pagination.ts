import { badUserInput } from '../../../common/errors.ts';
import { isUuid } from '../../../common/loaders.ts';

export const MAX_ORDERS_PAGE = 50;

export function checkOrdersPage(first: number | null | undefined): number {
  const size = first ?? 10;
  if (!Number.isInteger(size) || size < 1 || size > MAX_ORDERS_PAGE) throw badUserInput(`first must be between 1 and ${MAX_ORDERS_PAGE}.`, 'first');
  return size;
}

export const encodeOrderCursor = (id: string) => Buffer.from(`order:${id}`).toString('base64url');

export function decodeOrderCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = decoded.startsWith('order:') ? decoded.slice('order:'.length) : '';
  if (!isUuid(id)) throw badUserInput('after is not a valid cursor.', 'after');
  return id;
}
