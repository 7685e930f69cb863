import type { UserResolvers } from '../generated/graphql.ts';
import { connectionOf, idCursor, pageSize } from '../../../common/pagination.ts';

const PAGE = { fallback: 10, max: 50 };
const cursor = idCursor('order');

export const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),

  async orders(user, { first, after, status }, { prisma, loaders }) {
    const take = pageSize(first, PAGE);
    const where = { customerId: user.id, ...(status ? { status } : {}) };
    const [rows, totalCount] = await Promise.all([
      prisma.order.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: take + 1,
        ...(after ? { cursor: { id: cursor.decode(after) }, skip: 1 } : {}),
      }),
      prisma.order.count({ where }),
    ]);
    const connection = connectionOf(rows, take, (order) => cursor.encode(order.id));
    for (const { node } of connection.edges) loaders.orderById.prime(node.id, node);
    return { ...connection, totalCount };
  },
};
