// Cursor pagination, written once for every subgraph's connections (`first`, `after`, edges and
// pageInfo). Each list keeps its own cursor prefix, limits and order; this holds what they share.
import { badUserInput } from './errors.ts';
import { isUuid } from './loaders.ts';

/** A list's page sizes: `first` when absent, and the most it may ask for. */
export interface PageLimits {
  readonly fallback: number;
  readonly max: number;
}

/** The page size `first` asks for, or its fallback when absent; BAD_USER_INPUT (field `first`) outside 1..max. */
export function pageSize(first: number | null | undefined, { fallback, max }: PageLimits): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max) throw badUserInput(`first must be between 1 and ${max}.`, 'first');
  return size;
}

/** An opaque, URL-safe cursor: `<prefix>:<value>` in base64url. The prefix keeps one list's cursors out of another's. */
export interface CursorCodec<TPosition> {
  encode(position: TPosition): string;
  /** The position a client's `after` names; BAD_USER_INPUT (field `after`) when it is not one of this list's cursors. */
  decode(cursor: string): TPosition;
}

/**
 * A cursor codec for positions written as one string; `parse` returns undefined for a value that is
 * no position (a forged or foreign cursor), so it never reaches the database.
 */
export function cursorCodec<TPosition>(prefix: string, write: (position: TPosition) => string, parse: (value: string) => TPosition | undefined): CursorCodec<TPosition> {
  const head = `${prefix}:`;
  return {
    encode: (position) => Buffer.from(`${head}${write(position)}`).toString('base64url'),
    decode(cursor) {
      const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
      const position = decoded.startsWith(head) ? parse(decoded.slice(head.length)) : undefined;
      if (position === undefined) throw badUserInput('after is not a valid cursor.', 'after');
      return position;
    },
  };
}

/** A cursor holding the last row's id, for a list whose order Prisma's `cursor` keeps. */
export const idCursor = (prefix: string): CursorCodec<string> =>
  cursorCodec(
    prefix,
    (id: string) => id,
    (id) => (isUuid(id) ? id : undefined),
  );

export interface Connection<TNode> {
  readonly edges: { cursor: string; node: TNode }[];
  readonly pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** The connection of one page from `rows`, fetched with `take + 1` rows: the extra row only tells of a next page. */
export function connectionOf<TNode>(rows: readonly TNode[], take: number, cursorOf: (node: TNode) => string): Connection<TNode> {
  const page = rows.slice(0, take);
  const last = page.at(-1);
  return {
    edges: page.map((node) => ({ cursor: cursorOf(node), node })),
    pageInfo: { hasNextPage: rows.length > take, endCursor: last ? cursorOf(last) : null },
  };
}
