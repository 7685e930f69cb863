// graphql-ws clients as a frontend would use them (graphql-ws `createClient`, `ws` as the WebSocket),
// with the results of each subscription collected for assertions.
import { createClient, type Client, type ClientOptions } from 'graphql-ws';
import WebSocket from 'ws';
import { arrivals } from './arrivals.ts';

export interface SubscriptionResult<TData = Record<string, unknown>> {
  readonly data?: TData | null;
  readonly errors?: readonly { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
  readonly extensions?: Record<string, unknown>;
}

/** How a subscription ended: completed, an `error` message (GraphQL errors), or the socket closed (a close event). */
export interface SubscriptionEnd {
  readonly completed: boolean;
  readonly errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
  readonly close?: { readonly code: number; readonly reason: string };
}

export interface CollectedSubscription<TData> {
  readonly results: SubscriptionResult<TData>[];
  readonly ended: Promise<SubscriptionEnd>;
  /** Resolves once `done(results)` holds; fails after `timeoutMs` or when the subscription ends first. */
  until(done: (results: readonly SubscriptionResult<TData>[]) => boolean, timeoutMs?: number): Promise<SubscriptionResult<TData>[]>;
  dispose(): void;
}

export const wsUrlOf = (graphqlUrl: string) => graphqlUrl.replace(/^http/, 'ws');

/** A client for `graphqlUrl` (the HTTP URL of /graphql) signed in with `token`; no retries unless asked. */
export function wsClient(graphqlUrl: string, token?: string, options: Partial<ClientOptions> = {}): Client {
  return createClient({
    url: wsUrlOf(graphqlUrl),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazyCloseTimeout: 0,
    ...options,
  });
}

export function collect<TData = Record<string, unknown>>(client: Client, query: string, variables: Record<string, unknown> = {}): CollectedSubscription<TData> {
  const arrived = arrivals<SubscriptionResult<TData>>();
  let finish: (end: SubscriptionEnd) => void = () => {};
  const ended = new Promise<SubscriptionEnd>((resolve) => (finish = resolve));
  const dispose = client.subscribe<TData>(
    { query, variables },
    {
      next: (result) => arrived.add(result as SubscriptionResult<TData>),
      error: (error: unknown) => {
        if (Array.isArray(error)) finish({ completed: false, errors: error as SubscriptionEnd['errors'] });
        else if (error && typeof error === 'object' && 'code' in error) {
          const close = error as { code: number; reason: string };
          finish({ completed: false, close: { code: close.code, reason: String(close.reason) } });
        } else finish({ completed: false, errors: [{ message: String(error) }] });
        arrived.close();
      },
      complete: () => {
        finish({ completed: true });
        arrived.close();
      },
    },
  );
  return {
    results: arrived.items,
    ended,
    until: (done, timeoutMs = 20_000) => arrived.until(done, timeoutMs, async () => `the subscription ended first: ${JSON.stringify(await ended)}`),
    dispose,
  };
}
