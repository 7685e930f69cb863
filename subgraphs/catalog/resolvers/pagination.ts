import { badUserInput } from '../../../common/errors.ts';
import { isUuid } from '../../../common/loaders.ts';

export const MAX_PAGE_SIZE = 100;

export function checkPageSize(first: number | null | undefined, fallback = 20): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}.`, 'first');
  }
  return size;
}

// A cursor is the opaque, URL-safe form of the last row's id; Prisma's cursor keeps the order.
export const encodeCursor = (id: string) => Buffer.from(`cursor:${id}`).toString('base64url');

export function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = decoded.startsWith('cursor:') ? decoded.slice('cursor:'.length) : '';
  if (!isUuid(id)) throw badUserInput('after is not a valid cursor.', 'after');
  return id;
}
