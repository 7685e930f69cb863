// Cursor pagination shared by catalog's products, orders' User.orders and notifications'
// User.notifications. Cursors are opaque to clients but long-lived in their hands (a storefront's
// "load more"), so their wire form is pinned here.
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { connectionOf, cursorCodec, idCursor, pageSize } from './pagination.ts';

const base64url = (text: string) => Buffer.from(text).toString('base64url');
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof GraphQLError) return { message: error.message, extensions: error.extensions };
    throw error;
  }
  throw new Error('not refused');
};

describe('pagination', () => {
  it('takes `first` within 1..max, its fallback when absent, and refuses anything else as BAD_USER_INPUT on `first`', () => {
    const limits = { fallback: 10, max: 50 };
    expect(pageSize(undefined, limits)).toBe(10);
    expect(pageSize(null, limits)).toBe(10);
    expect(pageSize(1, limits)).toBe(1);
    expect(pageSize(50, limits)).toBe(50);
    for (const first of [0, -1, 51, 2.5]) {
      expect(refusal(() => pageSize(first, limits))).toEqual({ message: 'first must be between 1 and 50.', extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
    }
  });

  it("writes an id cursor as base64url `<prefix>:<id>` and reads back only its own list's", () => {
    const id = randomUUID();
    const orders = idCursor('order');
    expect(orders.encode(id)).toBe(base64url(`order:${id}`));
    expect(orders.decode(base64url(`order:${id}`))).toBe(id);
    const invalid = { message: 'after is not a valid cursor.', extensions: { code: 'BAD_USER_INPUT', field: 'after' } };
    for (const cursor of [idCursor('cursor').encode(id), base64url('order:not-a-uuid'), 'garbage', '']) {
      expect(
        refusal(() => orders.decode(cursor)),
        cursor,
      ).toEqual(invalid);
    }
  });

  it('carries a richer position through its own writer and parser', () => {
    const codec = cursorCodec<{ at: Date; id: string }>(
      'notification',
      ({ at, id }) => `${at.toISOString()}|${id}`,
      (value) => {
        const [at, id] = value.split('|');
        const date = new Date(at ?? '');
        return id && !Number.isNaN(date.getTime()) ? { at: date, id } : undefined;
      },
    );
    const position = { at: new Date('2026-01-02T03:04:05.678Z'), id: randomUUID() };
    expect(codec.encode(position)).toBe(base64url(`notification:2026-01-02T03:04:05.678Z|${position.id}`));
    expect(codec.decode(codec.encode(position))).toEqual(position);
    expect(() => codec.decode(base64url(`notification:yesterday|${position.id}`))).toThrow('after is not a valid cursor.');
  });

  it("builds the connection from one row more than the page: edges, hasNextPage and the last edge's cursor", () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    expect(connectionOf(rows, 2, (row) => `@${row.id}`)).toEqual({
      edges: [
        { cursor: '@a', node: { id: 'a' } },
        { cursor: '@b', node: { id: 'b' } },
      ],
      pageInfo: { hasNextPage: true, endCursor: '@b' },
    });
    expect(connectionOf(rows, 3, (row) => row.id).pageInfo).toEqual({ hasNextPage: false, endCursor: 'c' });
    expect(connectionOf([], 3, (row: { id: string }) => row.id)).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });
});
