import type { UserResolvers } from '../generated/graphql.ts';

export const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  // Reading someone's cart never creates one.
  cart: (user, _args, { loaders }) => loaders.cartByUserId.load(user.id),
};
