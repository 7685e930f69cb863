import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { isDatabaseBusy } from '../database/database-busy.ts';
import { ErrorCode, boundedMessage, echoed } from '../errors.ts';

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
 * A `formatError` that passes deliberate GraphQL errors through (with any input they quote bounded) and replaces anything else with
 * a generic INTERNAL_SERVER_ERROR, so no message or stack from inside ever reaches a client
 * (logUnexpectedErrorsPlugin logs the real one, with the request id). A saturated database (no
 * connection or transaction in time: nothing written) is load, not a bug: SERVICE_UNAVAILABLE,
 * which the gateway answers with HTTP 503 and Retry-After.
 */
export function maskUnexpectedErrors() {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const cause = unexpectedCause(error);
    if (!cause) {
      const { stacktrace: _stack, exception: _exception, ...extensions } = formatted.extensions ?? {};
      // Whatever an error quotes of the input (graphql-js's coercion messages, a resolver's extensions)
      // goes back bounded, however the error was made.
      return { ...formatted, message: boundedMessage(formatted.message), extensions: echoed(extensions) as Record<string, unknown> };
    }
    const busy = isDatabaseBusy(cause);
    return {
      message: busy ? 'The service is busy; nothing was changed. Try again shortly.' : 'Internal server error.',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: busy ? ErrorCode.serviceUnavailable : ErrorCode.internal },
    };
  };
}
