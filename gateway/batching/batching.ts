// Batched fetches (GATEWAY_BATCH_FETCHES) as a layer of the subgraph fetch: the batchable queries of
// one caller to one subgraph that are ready at the same moment go as one request (batch-document.ts
// writes it and splits its answer). "The same moment": everything that becomes ready before the
// event loop's next turn (siblings of a Parallel node, fetches that the same subgraph answers made
// ready), so a lone fetch waits one turn at most. Below the entity cache and dedup: each fetch is
// looked up and shared on its own, only what goes out is batched.
import { ErrorCode } from '../../common/errors.ts';
import type { GatewayFeature } from '../feature.ts';
import type { FetchLayer, FetchNext, SubgraphCaller, SubgraphFetch, SubgraphReply } from '../fetch/fetch-types.ts';
import { graphqlRuntime } from '../graphql-runtime.ts';
import { batchOf } from './batch-document.ts';

const { GraphQLError } = graphqlRuntime;

interface Waiting {
  readonly fetch: SubgraphFetch;
  resolve(reply: SubgraphReply): void;
  reject(error: unknown): void;
}

const sameHeaders = (a: SubgraphFetch['headers'], b: SubgraphFetch['headers']): boolean => {
  if (a === b) return true;
  if (!a || !b) return false;
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((name) => JSON.stringify(a[name]) === JSON.stringify(b[name]));
};

async function flush(waiting: readonly Waiting[], next: FetchNext): Promise<void> {
  const alone = (each: Waiting) => next(each.fetch).then(each.resolve, each.reject);
  const first = waiting[0]!.fetch;
  // Fetches whose added headers differ cannot share one HTTP request.
  let together = waiting;
  if (!waiting.every((each) => sameHeaders(each.fetch.headers, first.headers))) {
    together = waiting.filter((each) => sameHeaders(each.fetch.headers, first.headers));
    waiting.filter((each) => !together.includes(each)).forEach(alone);
  }
  const batch = batchOf(together.map((each) => each.fetch.request));
  if (!batch) {
    together.forEach(alone);
    return;
  }
  let reply: SubgraphReply | undefined;
  let answers: SubgraphReply['response'][] | undefined;
  try {
    reply = await next({ ...first, request: batch.request, batchable: false });
    answers = batch.split(reply.response);
  } catch (error) {
    // A subgraph that cannot answer fails each of them as it would have alone; anything else
    // (an HTTP error for the combined document) is each query's own to meet, alone.
    if (error instanceof GraphQLError && error.extensions['code'] === ErrorCode.subgraphUnavailable) {
      for (const each of together) each.reject(error);
      return;
    }
  }
  if (!answers || !reply) {
    together.forEach(alone);
    return;
  }
  const { headers } = reply;
  together.forEach((each, index) => each.resolve({ response: answers[index]!, headers, reused: false }));
}

export function createBatching(settings: { readonly enabled: boolean }): GatewayFeature | undefined {
  if (!settings.enabled) return undefined;
  /** Batchable fetches waiting for the next turn of the event loop, by subgraph and caller. */
  const pending = new Map<string, Map<SubgraphCaller, Waiting[]>>();

  const layer: FetchLayer = {
    stage: 'batch',
    handle(fetch, next) {
      if (!fetch.batchable || fetch.mutation) return next(fetch);
      return new Promise((resolve, reject) => {
        let byCaller = pending.get(fetch.subgraph);
        if (!byCaller) {
          byCaller = new Map();
          pending.set(fetch.subgraph, byCaller);
        }
        let waiting = byCaller.get(fetch.caller);
        if (!waiting) {
          const own: Waiting[] = [];
          waiting = own;
          byCaller.set(fetch.caller, own);
          const callers = byCaller;
          setImmediate(() => {
            callers.delete(fetch.caller);
            void flush(own, next);
          });
        }
        waiting.push({ fetch, resolve, reject });
      });
    },
  };
  return { name: 'batching', fetch: layer };
}
