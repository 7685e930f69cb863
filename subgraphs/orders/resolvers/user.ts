import type { UserResolvers } from '../generated/graphql.ts';
import { checkOrdersPage, decodeOrderCursor, encodeOrderCursor } from './pagination.ts';

export const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),

  async orders(user, { first, after, status }, { prisma, loaders }) {
    const take = checkOrdersPage(first);
    const where = { customerId: user.id, ...(status ? { status } : {}) };
    const [rows, totalCount] = await Promise.all([
      prisma.order.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: take + 1,
        ...(after ? { cursor: { id: decodeOrderCursor(after) }, skip: 1 } : {}),
      }),
      prisma.order.count({ where }),
    ]);
    const page = rows.slice(0, take);
    for (const order of page) loaders.orderById.prime(order.id, order);
    const last = page.at(-1);
    return {
      edges: page.map((node) => ({ cursor: encodeOrderCursor(node.id), node })),
      pageInfo: { hasNextPage: rows.length > take, endCursor: last ? encodeOrderCursor(last.id) : null },
      totalCount,
    };
  },
};
