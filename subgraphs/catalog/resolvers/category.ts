import type { CategoryResolvers } from '../generated/graphql.ts';

export const Category: CategoryResolvers = {
  __resolveReference: (reference, { loaders }) => loaders.categoryById.load(reference.id),
  parent: (category, _args, { loaders }) => (category.parentId ? loaders.categoryById.load(category.parentId) : null),
};
