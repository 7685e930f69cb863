import { allow } from 'graphql-shield';
import { isAuthenticated, isOwnerOrAdmin } from '../../common/subgraph/rules.ts';
import type { AccountsContext } from './context.ts';
import type { User } from './generated/prisma/client.ts';
import type { PermissionsFor } from '../../common/subgraph/permissions.ts';
import type { Resolvers } from './generated/graphql.ts';

// signUp and logIn answer with the user they just authenticated: that caller is the owner too.
const ownerOrAdmin = isOwnerOrAdmin(
  (user: User) => user.id,
  (user: User, context: AccountsContext) => context.authenticatedInThisRequest.has(user.id),
);

export const permissions: PermissionsFor<Resolvers> = {
  Query: { me: allow, user: isAuthenticated },
  // The refresh token itself is the credential of refreshSession and logOut.
  Mutation: { signUp: allow, logIn: allow, refreshSession: allow, logOut: allow },
  User: { id: allow, name: allow, createdAt: allow, email: ownerOrAdmin, role: ownerOrAdmin },
  AuthPayload: allow,
};
