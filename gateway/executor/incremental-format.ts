// The two incremental delivery formats, chosen from the Accept header as Apollo Server chooses the
// response's content type: `multipart/mixed;deferSpec=20220824` (graphql-js 17.0.0-alpha.2, Apollo
// Client's Defer20220824Handler; the executor's own shape) and `multipart/mixed;incrementalSpec=v0.2`
// (graphql-spec PR 1110 as graphql-js 17.0.0-alpha.9 and Hive Router serve it: `pending` places
// with ids, `incremental` entries naming their id, `completed` ids; Apollo Client's GraphQL17Alpha9Handler).
import type {
  GraphQLExperimentalFormattedInitialIncrementalExecutionResultAlpha9,
  GraphQLExperimentalFormattedSubsequentIncrementalExecutionResultAlpha2,
  GraphQLExperimentalFormattedSubsequentIncrementalExecutionResultAlpha9,
  GraphQLExperimentalPendingResultAlpha9,
  GraphQLExperimentalFormattedIncrementalResultAlpha9,
  GraphQLExperimentalFormattedCompletedResultAlpha9,
} from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';

export type IncrementalFormat = 'deferSpec=20220824' | 'incrementalSpec=v0.2';

type ResponsePath = readonly (string | number)[];

/**
 * The format a client asks for: of the `multipart/mixed` media ranges naming one, the one with the
 * highest q, the first listed on a tie (Apollo Server's negotiation); none when a bare
 * `multipart/mixed` wins (Apollo Server would refuse an incremental answer) or none is named.
 */
export function incrementalFormatOf(accept: string | undefined): IncrementalFormat | undefined {
  if (!accept) return undefined;
  let best: { format: IncrementalFormat | undefined; q: number; specific: boolean } | undefined;
  for (const range of accept.split(',')) {
    const [type, ...parameters] = range.split(';').map((part) => part.trim());
    if (type?.toLowerCase() !== 'multipart/mixed') continue;
    const values = new Map(parameters.map((parameter) => parameter.split('=').map((part) => part.trim().replace(/^"|"$/g, '')) as [string, string | undefined]));
    const q = Number(values.get('q') ?? 1);
    values.delete('q');
    const format: IncrementalFormat | undefined =
      values.get('deferSpec') === '20220824' ? 'deferSpec=20220824' : values.get('incrementalSpec') === 'v0.2' ? 'incrementalSpec=v0.2' : undefined;
    const specific = values.size > 0;
    if (values.size > 0 && !format) continue; // another spec: not one of ours
    if (!best || q > best.q || (q === best.q && specific && !best.specific)) best = { format, q, specific };
  }
  return best && best.q > 0 ? best.format : undefined;
}

/** The streamed lists a response cuts: each items payload's path (the list's, then the index of its first item) and label. */
export type CutStream = { readonly path: ResponsePath; readonly label?: string };

/**
 * A deferSpec=20220824 response in incrementalSpec=v0.2: the initial result announces the streamed
 * lists it holds as `pending`; a streamed list inside items not yet sent is announced with those
 * items. A deferred fragment is announced with the payload that completes it (the executor learns
 * its places as it completes), with its data as one `incremental` entry and its id `completed`; a
 * fragment or stream that failed is `completed` with its errors.
 */
export function toIncrementalSpecV02(
  initial: FormattedExecutionResult,
  streams: readonly CutStream[] | undefined,
  subsequent: AsyncIterable<GraphQLExperimentalFormattedSubsequentIncrementalExecutionResultAlpha2>,
): {
  initialResult: GraphQLExperimentalFormattedInitialIncrementalExecutionResultAlpha9;
  subsequentResults: AsyncGenerator<GraphQLExperimentalFormattedSubsequentIncrementalExecutionResultAlpha9>;
} {
  let nextId = 0;
  const streamIds = new Map<string, string>();
  const open = new Set<string>();
  const announce = (pending: GraphQLExperimentalPendingResultAlpha9[], path: ResponsePath, label: string | undefined): string => {
    const id = String(nextId++);
    pending.push({ id, path, ...(label !== undefined ? { label } : {}) });
    open.add(id);
    return id;
  };
  const listOf = (stream: CutStream) => stream.path.slice(0, -1);
  const reachable = (data: unknown, path: ResponsePath) => {
    let at = data;
    for (const key of path) {
      if (at === null || typeof at !== 'object') return false;
      at = (at as Record<string | number, unknown>)[key];
    }
    return Array.isArray(at);
  };
  let unannounced = [...(streams ?? [])];
  const announceStreams = (pending: GraphQLExperimentalPendingResultAlpha9[], which: (stream: CutStream) => boolean) => {
    const now = unannounced.filter(which);
    unannounced = unannounced.filter((stream) => !now.includes(stream));
    for (const stream of now) streamIds.set(JSON.stringify(stream.path), announce(pending, listOf(stream), stream.label));
  };
  const initialPending: GraphQLExperimentalPendingResultAlpha9[] = [];
  announceStreams(initialPending, (stream) => reachable(initial.data, listOf(stream)));

  async function* results(): AsyncGenerator<GraphQLExperimentalFormattedSubsequentIncrementalExecutionResultAlpha9> {
    for await (const part of subsequent) {
      const pending: GraphQLExperimentalPendingResultAlpha9[] = [];
      const incremental: GraphQLExperimentalFormattedIncrementalResultAlpha9[] = [];
      const completed: GraphQLExperimentalFormattedCompletedResultAlpha9[] = [];
      const complete = (id: string, errors?: GraphQLExperimentalFormattedCompletedResultAlpha9['errors']) => {
        open.delete(id);
        completed.push({ id, ...(errors ? { errors } : {}) });
      };
      for (const entry of part.incremental ?? []) {
        const path = entry.path ?? [];
        if ('items' in entry) {
          const id = streamIds.get(JSON.stringify(path)) ?? announce(pending, path.slice(0, -1), entry.label);
          if (entry.items) incremental.push({ id, items: entry.items, ...(entry.errors ? { errors: entry.errors } : {}) });
          complete(id, entry.items ? undefined : entry.errors);
          // Streamed lists inside the items just sent are announced with them.
          const list = path.slice(0, -1);
          const from = path.at(-1) as number;
          announceStreams(pending, (stream) => {
            const inner = listOf(stream);
            const index = inner[list.length];
            return inner.length > list.length && list.every((key, at) => inner[at] === key) && typeof index === 'number' && index >= from;
          });
        } else if ('data' in entry && entry.data === null && path.length === 0 && entry.label === undefined && open.size > 0) {
          // The execution failed midway: whatever is still open ends with its errors.
          for (const id of [...open]) complete(id, entry.errors);
        } else {
          const id = announce(pending, path, entry.label);
          if ('data' in entry && entry.data) incremental.push({ id, data: entry.data, ...(entry.errors ? { errors: entry.errors } : {}) });
          complete(id, 'data' in entry && entry.data ? undefined : entry.errors);
        }
      }
      yield {
        hasNext: part.hasNext,
        ...(pending.length > 0 ? { pending } : {}),
        ...(incremental.length > 0 ? { incremental } : {}),
        ...(completed.length > 0 ? { completed } : {}),
        ...(part.extensions ? { extensions: part.extensions } : {}),
      };
    }
  }

  return {
    initialResult: { ...initial, data: initial.data ?? {}, pending: initialPending, hasNext: true },
    subsequentResults: results(),
  };
}
