// Type-level test, run by `npm run typecheck` (not by vitest): each `@ts-expect-error` below must
// meet an error, or tsc fails with "Unused '@ts-expect-error' directive". It proves that a shield
// map typed with PermissionsFor<Resolvers> refuses a type or a field its subgraph's schema lacks.
import { allow, deny } from 'graphql-shield';
import type { PermissionsFor } from '../../common/subgraph/permissions.ts';
import { isAdmin } from '../../common/subgraph/rules.ts';
import type { Resolvers as AccountsResolvers } from '../../subgraphs/accounts/generated/graphql.ts';
import type { Resolvers as CatalogResolvers } from '../../subgraphs/catalog/generated/graphql.ts';

export const wellSpelt: PermissionsFor<AccountsResolvers> = {
  Query: { me: allow, user: isAdmin },
  // `name` is also a property of a graphql-shield rule: a field map is still told from a rule.
  User: { id: allow, name: allow, '*': deny },
  AuthPayload: allow,
};

export const misspeltField: PermissionsFor<AccountsResolvers> = {
  // @ts-expect-error `emial` is not a field of User
  User: { id: allow, emial: allow },
};

export const misspeltType: PermissionsFor<AccountsResolvers> = {
  // @ts-expect-error accounts has no type `Usr`
  Usr: allow,
};

export const misspeltRootField: PermissionsFor<CatalogResolvers> = {
  // @ts-expect-error `createProdcut` is not a mutation of the catalog
  Mutation: { createProduct: isAdmin, createProdcut: isAdmin },
};

export const otherSubgraphsType: PermissionsFor<CatalogResolvers> = {
  // @ts-expect-error Notification belongs to notifications, not to the catalog
  Notification: allow,
};

export const federationHooksAreNotFields: PermissionsFor<AccountsResolvers> = {
  // @ts-expect-error `__resolveReference` is a resolver hook, not a field a rule can guard
  User: { __resolveReference: allow },
};
