import type { ErrorLike } from '@apollo/client';
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import { InvariantError } from '@apollo/client/utilities/invariant';
import { Link, useLocation } from './router.tsx';

// Apollo Client's invariant 96, "Store reset while query was in flight": builds without Apollo's
// messages carry only its number, in the URL of the message.
const STORE_RESET = /Store reset while query was in flight|%22message%22%3A96%2C/;

/**
 * Clearing the store (signing in or out) abandons the queries in flight with that error: the page
 * reads again or goes away, and nothing failed, so there is nothing to tell the shopper.
 */
export const isStoreReset = (error: ErrorLike): boolean => error instanceof InvariantError && STORE_RESET.test(error.message);

/** The codes of a result's GraphQL errors (or of a refused request's body). */
export function errorCodes(error: ErrorLike | undefined): string[] {
  if (!error) return [];
  if (CombinedGraphQLErrors.is(error)) return error.errors.map((entry) => String(entry.extensions?.['code'] ?? ''));
  if (ServerError.is(error)) {
    try {
      const body = JSON.parse(error.bodyText) as { errors?: { extensions?: { code?: string } }[] };
      return (body.errors ?? []).map((entry) => entry.extensions?.code ?? '');
    } catch {
      return [];
    }
  }
  return [];
}

/** What a person should read for an error: the server's message, never a stack. */
export function errorMessage(error: ErrorLike): string {
  if (CombinedGraphQLErrors.is(error)) return error.errors[0]?.message ?? 'Something went wrong.';
  if (ServerError.is(error)) {
    if (error.statusCode === 429) return 'Too many requests: please wait a moment.';
    try {
      const body = JSON.parse(error.bodyText) as { errors?: { message?: string }[] };
      return body.errors?.[0]?.message ?? `The server answered ${error.statusCode}.`;
    } catch {
      return `The server answered ${error.statusCode}.`;
    }
  }
  return 'The shop cannot be reached; check your connection.';
}

/** A link to log in that comes back to this page (a reload ends the in-memory session). */
export function LogInHere() {
  const { path, search } = useLocation();
  const here = `${path}${search.size ? `?${search}` : ''}`;
  return <Link to={`/login?next=${encodeURIComponent(here)}`}>Log in</Link>;
}

/** A partial result: the page renders what arrived and says what is missing. */
export function QueryProblems({ error, hasData }: { error: ErrorLike | undefined; hasData: boolean }) {
  if (!error || isStoreReset(error)) return null;
  if (errorCodes(error).includes('UNAUTHENTICATED')) {
    return (
      <p className="notice error" role="alert">
        {errorMessage(error)} <LogInHere /> to see this page.
      </p>
    );
  }
  if (hasData && errorCodes(error).includes('SUBGRAPH_UNAVAILABLE')) {
    return (
      <p className="notice warning" role="status">
        Some details (such as stock levels) are unavailable right now; the rest of the page is up to date.
      </p>
    );
  }
  return (
    <p className="notice error" role="alert">
      {errorMessage(error)}
    </p>
  );
}
