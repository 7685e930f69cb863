import type { QueryResolvers } from '../generated/graphql.ts';

export const Query: QueryResolvers = {
  me: (_parent, _args, { viewer, loaders }) => (viewer ? loaders.userById.load(viewer.id) : null),
  user: (_parent, { id }, { loaders }) => loaders.userById.load(id),
};
