// One subscription over any of the gateway's three transports, with real clients (graphql-ws,
// Apollo's multipart protocol over fetch, graphql-sse), its results collected the same way, so a
// test can assert the same thing on each.
import { createClient as createSseClient } from 'graphql-sse';
import { arrivals } from './arrivals.ts';
import { subscribeMultipart } from './multipart.ts';
import { collect, wsClient, type SubscriptionResult } from './subscriptions.ts';

export const TRANSPORTS = ['graphql-ws', 'multipart', 'sse'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface AnySubscription<TData> {
  /** Results so far (multipart heartbeats left out). */
  readonly results: SubscriptionResult<TData>[];
  /** Resolves once `done(results)` holds; fails after `timeoutMs` or when the subscription ends first. */
  until(done: (results: readonly SubscriptionResult<TData>[]) => boolean, timeoutMs?: number): Promise<SubscriptionResult<TData>[]>;
  /** Resolves when it ends: the errors it was refused or ended with, if any (a refusal before streaming included). */
  readonly ended: Promise<{ readonly errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }>;
  dispose(): void;
}

export async function subscribeOver<TData = Record<string, unknown>>(
  transport: Transport,
  graphqlUrl: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<AnySubscription<TData>> {
  if (transport === 'graphql-ws') {
    const client = wsClient(graphqlUrl, token);
    const collected = collect<TData>(client, query, variables);
    return {
      results: collected.results,
      until: collected.until,
      // Ended with an error message, or completed after a last result with errors.
      ended: collected.ended.then((end) => {
        const errors = end.errors ?? collected.results.at(-1)?.errors;
        return errors ? { errors } : {};
      }),
      dispose: () => void client.dispose(),
    };
  }

  const arrived = arrivals<SubscriptionResult<TData>>();
  let finish: (end: { errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }) => void = () => {};
  const ended = new Promise<{ errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }>((resolve) => (finish = resolve));
  const until = (done: (results: readonly SubscriptionResult<TData>[]) => boolean, timeoutMs = 20_000) =>
    arrived.until(done, timeoutMs, async () => `the subscription ended first: ${JSON.stringify(await ended)}`);

  if (transport === 'multipart') {
    const response = await subscribeMultipart(graphqlUrl, query, variables, token);
    if (response.kind === 'json') {
      arrived.close();
      finish(response.body.errors ? { errors: response.body.errors } : {});
      return { results: arrived.items, until, ended, dispose: () => {} };
    }
    let seen = 0;
    const pump = () => {
      for (; seen < response.parts.length; seen += 1) {
        const part = response.parts[seen]!;
        if (part.payload) arrived.add(part.payload as SubscriptionResult<TData>);
        else if (part.errors) arrived.add({ data: null, errors: part.errors });
      }
    };
    void response.until(() => (pump(), false), 3_600_000).catch(() => {});
    void response.ended.then(() => {
      pump();
      const last = arrived.items.at(-1);
      arrived.close();
      finish(last?.errors ? { errors: last.errors } : {});
    });
    return { results: arrived.items, until, ended, dispose: () => response.abort() };
  }

  const client = createSseClient({ url: graphqlUrl, singleConnection: false, retryAttempts: 0, headers: token ? { authorization: `Bearer ${token}` } : {} });
  client.subscribe<TData>(
    { query, variables },
    {
      next: (result) => arrived.add(result as SubscriptionResult<TData>),
      error: (error: unknown) => {
        arrived.close();
        finish({ errors: [{ message: String(error instanceof Error ? error.message : error) }] });
      },
      complete: () => {
        const last = arrived.items.at(-1);
        arrived.close();
        finish(last?.errors ? { errors: last.errors } : {});
      },
    },
  );
  return { results: arrived.items, until, ended, dispose: () => client.dispose() };
}
