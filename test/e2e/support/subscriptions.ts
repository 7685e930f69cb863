// graphql-ws clients as a frontend would use them (graphql-ws `createClient`, `ws` as the WebSocket),
// with the results of each subscription collected for assertions.
import { createClient, type Client, type ClientOptions } from 'graphql-ws';
import WebSocket from 'ws';

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
  const results: SubscriptionResult<TData>[] = [];
  const changed = new Set<() => void>();
  const notify = () => {
    for (const listener of [...changed]) listener();
  };
  let finish: (end: SubscriptionEnd) => void = () => {};
  const ended = new Promise<SubscriptionEnd>((resolve) => (finish = resolve));
  let over = false;
  const dispose = client.subscribe<TData>(
    { query, variables },
    {
      next: (result) => {
        results.push(result as SubscriptionResult<TData>);
        notify();
      },
      error: (error: unknown) => {
        over = true;
        if (Array.isArray(error)) finish({ completed: false, errors: error as SubscriptionEnd['errors'] });
        else if (error && typeof error === 'object' && 'code' in error) {
          const close = error as { code: number; reason: string };
          finish({ completed: false, close: { code: close.code, reason: String(close.reason) } });
        } else finish({ completed: false, errors: [{ message: String(error) }] });
        notify();
      },
      complete: () => {
        over = true;
        finish({ completed: true });
        notify();
      },
    },
  );
  return {
    results,
    ended,
    until(done, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (done(results)) {
            cleanUp();
            resolve(results);
          } else if (over) {
            cleanUp();
            void ended.then((end) => reject(new Error(`the subscription ended first: ${JSON.stringify(end)}; results: ${JSON.stringify(results)}`)));
          }
        };
        const timer = setTimeout(() => {
          cleanUp();
          reject(new Error(`timed out after ${timeoutMs} ms; results so far: ${JSON.stringify(results)}`));
        }, timeoutMs);
        const cleanUp = () => {
          clearTimeout(timer);
          changed.delete(check);
        };
        changed.add(check);
        check();
      });
    },
    dispose,
  };
}
