import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { ServerError } from '@apollo/client/errors';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { relayStylePagination } from '@apollo/client/utilities';
import { from, map, mergeMap } from 'rxjs';
import { CartVersionFragmentDoc, ResumeSessionDocument } from '../../sdk/generated/graphql.ts';
import storefrontDocuments from '../../trusted-documents/storefront.json';
import { rateLimitNotices } from './notices.ts';
import type { SessionStore } from './session.ts';

// The gateway runs only trusted documents in production: the storefront sends each operation's id
// from its manifest (`npm run codegen` writes it, with the __typename fields Apollo's cache adds).
const documentIds = new Map(storefrontDocuments.operations.map((operation) => [operation.name, operation.id]));
const trustedDocuments = new PersistedQueryLink({
  generateHash(document) {
    const name = document.definitions.find((definition) => definition.kind === 'OperationDefinition')?.name?.value;
    const id = name ? documentIds.get(name) : undefined;
    if (!id) throw new Error(`${name ?? 'an anonymous operation'} is not in trusted-documents/storefront.json: run npm run codegen`);
    return id;
  },
});

/** Operations that carry their own credential (the session cookie), not the access token. */
const SKIP_AUTH = 'skipAuth';

/** The `{ id, version }` of every cart in a result (`__typename` is on every object the client reads). */
function cartVersions(value: unknown, found: { id: string; version: number }[] = []): { id: string; version: number }[] {
  if (Array.isArray(value)) for (const entry of value) cartVersions(entry, found);
  else if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    if (object['__typename'] === 'Cart' && typeof object['id'] === 'string' && typeof object['version'] === 'number') found.push({ id: object['id'], version: object['version'] });
    for (const field of Object.values(object)) cartVersions(field, found);
  }
  return found;
}

/**
 * Answers about a cart can overtake each other (a read sent before a checkout, answered after the
 * read that saw the emptied cart). A cart's `version` grows with every change, so a query answer
 * holding an older version than the cache's is answered from the cache instead of overwriting it.
 */
function newestCarts(cache: InMemoryCache): ApolloLink {
  const older = ({ id, version }: { id: string; version: number }) => {
    const cached = cache.readFragment({ id: cache.identify({ __typename: 'Cart', id }), fragment: CartVersionFragmentDoc });
    return cached !== null && cached.version > version;
  };
  return new ApolloLink((operation, forward) => {
    const isQuery = operation.query.definitions.some((definition) => definition.kind === 'OperationDefinition' && definition.operation === 'query');
    if (!isQuery) return forward(operation);
    return forward(operation).pipe(
      map((result) => {
        if (!cartVersions(result.data).some(older)) return result;
        const current = cache.readQuery<Record<string, unknown>>({ query: operation.query, variables: operation.variables });
        return current ? { ...result, data: current } : result;
      }),
    );
  });
}

/**
 * The storefront's Apollo Client: `/graphql` on the page's own origin (the static server or Vite
 * proxies it to the gateway), the access token on every request, subscriptions over Apollo's
 * multipart HTTP protocol (HttpLink speaks it: no WebSocket needed).
 */
export function createApolloClient(sessions: SessionStore, uri = '/graphql'): ApolloClient {
  const auth = new SetContextLink(async (context) => {
    if (context[SKIP_AUTH]) return {};
    const token = await sessions.accessToken();
    return token ? { headers: { ...context.headers, authorization: `Bearer ${token}` } } : {};
  });

  const errors = new ErrorLink(({ error, operation, forward }) => {
    // The gateway answers refusals as application/graphql-response+json, which Apollo Client reads
    // as GraphQL errors; the HTTP status is on the response HttpLink keeps in the context.
    const response: Response | undefined = ServerError.is(error) ? error.response : operation.getContext()['response'];
    if (response?.status === 429) {
      rateLimitNotices.raise(Number(response.headers.get('retry-after') ?? '') || 1);
      return;
    }
    // A token refused (expired early, a clock off, a key rotated): renew once and try again.
    const context = operation.getContext();
    if (response?.status === 401 && !context[SKIP_AUTH] && !context['renewed'] && sessions.current()) {
      operation.setContext({ renewed: true });
      return from(sessions.renew()).pipe(mergeMap(() => forward(operation)));
    }
    return;
  });

  const cache = new InMemoryCache({
    // The account's order history grows a page at a time ("Show more"): pages of one size append.
    typePolicies: { User: { fields: { orders: relayStylePagination(['first', 'status']) } } },
  });
  const client = new ApolloClient({
    link: ApolloLink.from([errors, newestCarts(cache), auth, trustedDocuments, new HttpLink({ uri })]),
    cache,
    // Partial results are results: a subgraph down leaves its fields null and the rest renders.
    defaultOptions: { watchQuery: { errorPolicy: 'all' }, query: { errorPolicy: 'all' } },
  });

  // The refresh token is the session cookie: the browser sends it, the page never reads it.
  sessions.useExchange(async () => {
    const { data } = await client.mutate({ mutation: ResumeSessionDocument, context: { [SKIP_AUTH]: true } });
    if (!data) throw new Error('the session could not be renewed');
    return data.refreshSession;
  });
  return client;
}

export { SKIP_AUTH };

// Queries default to errorPolicy 'all' (above); declared so their result types include partial data with errors.
declare module '@apollo/client' {
  export namespace ApolloClient {
    export namespace DeclareDefaultOptions {
      interface WatchQuery {
        errorPolicy: 'all';
      }
      interface Query {
        errorPolicy: 'all';
      }
    }
  }
}
