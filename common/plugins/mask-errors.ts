import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode } from '../errors.ts';

// By prototype chain name: a GraphQLError (or Apollo's subclasses of it) from another copy of
// graphql, CommonJS or ESM build, is still a deliberate error.
function isGraphQLError(error: unknown): boolean {
  for (let proto: unknown = error; proto !== null && proto !== undefined; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === 'GraphQLError') return true;
  }
  return false;
}

/** The error behind a GraphQL error when it is not a deliberate one (a database error, a bug); else null. */
export function unexpectedCause(error: unknown): Error | null {
  const original = unwrapResolverError(error);
  return isGraphQLError(original) || !(original instanceof Error) ? null : original;
}

/**
 * A `formatError` that passes deliberate GraphQL errors through and replaces anything else with
 * a generic INTERNAL_SERVER_ERROR, so no message or stack from inside ever reaches a client
 * (logUnexpectedErrorsPlugin logs the real one, with the request id).
 */
export function maskUnexpectedErrors() {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    if (!unexpectedCause(error)) {
      const { stacktrace: _stack, exception: _exception, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    return {
      message: 'Internal server error.',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: ErrorCode.internal },
    };
  };
}
