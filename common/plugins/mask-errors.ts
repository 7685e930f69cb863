import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';

// By prototype chain name: a GraphQLError (or Apollo's subclasses of it) from another copy of
// graphql, CommonJS or ESM build, is still a deliberate error.
function isGraphQLError(error: unknown): boolean {
  for (let proto: unknown = error; proto !== null && proto !== undefined; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === 'GraphQLError') return true;
  }
  return false;
}

/**
 * A `formatError` that passes deliberate GraphQL errors through and replaces anything else
 * (a database error, a bug) with a generic INTERNAL_SERVER_ERROR, logged in full, so no
 * message or stack from inside ever reaches a client.
 */
export function maskUnexpectedErrors(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (isGraphQLError(original) || !(original instanceof Error)) {
      const { stacktrace: _stack, exception: _exception, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    log.error({ err: original, path: formatted.path }, 'unexpected error in resolver');
    return {
      message: 'Internal server error.',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: ErrorCode.internal },
    };
  };
}
