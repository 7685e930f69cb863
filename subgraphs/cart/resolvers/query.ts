import { unauthenticated } from '../../../common/errors.ts';
import { ensureCart } from '../cart-store.ts';
import type { QueryResolvers } from '../generated/graphql.ts';

export const Query: QueryResolvers = {
  cart(_parent, _args, { viewer, prisma }) {
    if (!viewer) throw unauthenticated();
    return ensureCart(prisma, viewer.id);
  },
};
