import { rule } from 'graphql-shield';
import { forbidden, unauthenticated } from '../errors.ts';
import type { SubgraphContext } from './context.ts';

/**
 * The building blocks of every subgraph's permissions. Rules return errors (not `false`) so a
 * refused field carries a precise code instead of the generic fallback.
 */
export const isAuthenticated = rule({ cache: 'contextual' })((_parent, _args, context: SubgraphContext) => (context.viewer ? true : unauthenticated()));

export const isAdmin = rule({ cache: 'contextual' })((_parent, _args, context: SubgraphContext) => {
  if (!context.viewer) return unauthenticated();
  return context.viewer.role === 'ADMIN' ? true : forbidden('Only admins may do this.');
});

/**
 * The parent object belongs to the viewer (its owner id, read by `ownerId`), or the viewer is an
 * admin. `provenOwner` lets a service accept an owner proved some other way in this request.
 */
export const isOwnerOrAdmin = <TParent, TContext extends SubgraphContext = SubgraphContext>(
  ownerId: (parent: TParent) => string,
  provenOwner?: (parent: TParent, context: TContext) => boolean,
) =>
  rule({ cache: 'strict' })((parent: TParent, _args, context: TContext) => {
    if (provenOwner?.(parent, context)) return true;
    if (!context.viewer) return unauthenticated();
    if (context.viewer.role === 'ADMIN' || ownerId(parent) === context.viewer.id) return true;
    return forbidden('Only its owner or an admin may see this.');
  });
