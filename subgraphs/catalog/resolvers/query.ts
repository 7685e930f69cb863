import type { Prisma } from '../generated/prisma/client.ts';
import type { ProductFilter, ProductOrderBy, QueryResolvers } from '../generated/graphql.ts';
import { connectionOf, idCursor, pageSize } from '../../../common/pagination.ts';

const PAGE = { fallback: 20, max: 100 };
// A cursor is the opaque, URL-safe form of the last row's id; Prisma's cursor keeps the order.
const cursor = idCursor('cursor');

// The id breaks ties so every ordering is total, which cursor pagination needs.
const ORDERINGS: Record<ProductOrderBy, Prisma.ProductOrderByWithRelationInput[]> = {
  NAME_ASC: [{ name: 'asc' }, { id: 'asc' }],
  PRICE_ASC: [{ priceAmount: 'asc' }, { id: 'asc' }],
  PRICE_DESC: [{ priceAmount: 'desc' }, { id: 'asc' }],
  NEWEST: [{ createdAt: 'desc' }, { id: 'asc' }],
};

function whereOf(filter: ProductFilter | null | undefined): Prisma.ProductWhereInput {
  const where: Prisma.ProductWhereInput = {};
  if (filter?.categoryId) where.categoryId = filter.categoryId;
  if (filter?.categorySlug) where.category = { slug: filter.categorySlug };
  const search = filter?.search?.trim();
  if (search) {
    where.OR = [{ name: { contains: search, mode: 'insensitive' } }, { description: { contains: search, mode: 'insensitive' } }, { sku: { equals: search, mode: 'insensitive' } }];
  }
  return where;
}

export const Query: QueryResolvers = {
  product: (_parent, { id }, { loaders }) => loaders.productById.load(id),

  async products(_parent, { first, after, filter, orderBy }, { prisma, loaders }) {
    const take = pageSize(first, PAGE);
    const where = whereOf(filter);
    if (filter?.categoryId && !(await loaders.categoryById.load(filter.categoryId))) {
      return { edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 };
    }
    const [rows, totalCount] = await Promise.all([
      prisma.product.findMany({
        where,
        orderBy: ORDERINGS[orderBy ?? 'NAME_ASC'],
        take: take + 1,
        ...(after ? { cursor: { id: cursor.decode(after) }, skip: 1 } : {}),
      }),
      prisma.product.count({ where }),
    ]);
    const connection = connectionOf(rows, take, (product) => cursor.encode(product.id));
    for (const { node } of connection.edges) loaders.productById.prime(node.id, node);
    return { ...connection, totalCount };
  },

  categories: (_parent, _args, { prisma }) => prisma.category.findMany({ orderBy: { name: 'asc' } }),
};
