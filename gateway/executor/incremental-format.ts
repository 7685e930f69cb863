// The two incremental delivery formats, chosen from the Accept header as Apollo Server chooses the
// response's content type: `multipart/mixed;deferSpec=20220824` (graphql-js 17.0.0-alpha.2, Apollo
// Client's Defer20220824Handler; the executor's own shape) and `multipart/mixed;incrementalSpec=v0.2`
// (graphql-spec PR 1110 as graphql-js 17.0.0-alpha.9 and Hive Router serve it: `pending` places
// with ids, `incremental` entries naming their id, `completed` ids; Apollo Client's GraphQL17Alpha9Handler).
import type {
  GraphQLExperimentalFormattedInitialIncrementalExecutionResultAlpha9,
  GraphQLExperimentalFormattedSubsequentIncrementalExecutionResultAlpha9,
  GraphQLExperimentalPendingResultAlpha9,
  GraphQLExperimentalFormattedIncrementalResultAlpha9,
  GraphQLExperimentalFormattedCompletedResultAlpha9,
} from '@apollo/server';
import type { FormattedExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import { graphqlRuntime } from '../graphql-runtime.ts';
import type { PendingFragment, SubsequentResult } from './execute-plan.ts';

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

type FormatErrors = (errors: readonly GraphQLError[]) => GraphQLFormattedError[];

/**
 * The executor's parts in incrementalSpec=v0.2. The initial result announces as `pending` the places
 * of the deferred fragments it holds and the streamed lists it cuts; a fragment deferred inside a
 * deferred one, and a list streamed inside streamed items, are announced with the part that brings
 * their parent. A fragment's data comes as one `incremental` entry per place, then its places are
 * `completed` (a place its type condition does not meet gets no entry); a stream's remaining items
 * come as one entry, then it is `completed`. What failed is `completed` with its errors.
 */
export function toIncrementalSpecV02(
  initial: FormattedExecutionResult,
  cut: { readonly streams?: readonly CutStream[] | undefined; readonly pending?: readonly PendingFragment[] | undefined },
  parts: AsyncGenerator<SubsequentResult>,
  formatErrors: FormatErrors,
): {
  initialResult: GraphQLExperimentalFormattedInitialIncrementalExecutionResultAlpha9;
  subsequentResults: AsyncGenerator<GraphQLExperimentalFormattedSubsequentIncrementalExecutionResultAlpha9>;
} {
  let nextId = 0;
  const streamIds = new Map<string, string>();
  /** Each deferred fragment's announced places: the id by path. */
  const fragmentIds = new Map<number, Map<string, string>>();
  const open = new Set<string>();
  const announce = (pending: GraphQLExperimentalPendingResultAlpha9[], path: ResponsePath, label: string | undefined): string => {
    const id = String(nextId++);
    pending.push({ id, path, ...(label !== undefined ? { label } : {}) });
    open.add(id);
    return id;
  };
  const announceFragments = (pending: GraphQLExperimentalPendingResultAlpha9[], places: readonly PendingFragment[] | undefined) => {
    for (const { fragment, path, label } of places ?? []) {
      let ids = fragmentIds.get(fragment);
      if (!ids) fragmentIds.set(fragment, (ids = new Map()));
      ids.set(JSON.stringify(path), announce(pending, path, label));
    }
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
  let unannounced = [...(cut.streams ?? [])];
  const announceStreams = (pending: GraphQLExperimentalPendingResultAlpha9[], which: (stream: CutStream) => boolean) => {
    const now = unannounced.filter(which);
    unannounced = unannounced.filter((stream) => !now.includes(stream));
    for (const stream of now) streamIds.set(JSON.stringify(stream.path), announce(pending, listOf(stream), stream.label));
  };
  const initialPending: GraphQLExperimentalPendingResultAlpha9[] = [];
  announceFragments(initialPending, cut.pending);
  announceStreams(initialPending, (stream) => reachable(initial.data, listOf(stream)));

  async function* results(): AsyncGenerator<GraphQLExperimentalFormattedSubsequentIncrementalExecutionResultAlpha9> {
    try {
      for await (const part of parts) {
        const pending: GraphQLExperimentalPendingResultAlpha9[] = [];
        const incremental: GraphQLExperimentalFormattedIncrementalResultAlpha9[] = [];
        const completed: GraphQLExperimentalFormattedCompletedResultAlpha9[] = [];
        const complete = (id: string, errors?: GraphQLFormattedError[]) => {
          open.delete(id);
          completed.push({ id, ...(errors ? { errors } : {}) });
        };
        announceFragments(pending, part.pending);
        const places = part.fragment !== undefined ? (fragmentIds.get(part.fragment) ?? new Map<string, string>()) : undefined;
        let failed: GraphQLFormattedError[] | undefined;
        for (const entry of part.incremental) {
          const errors = entry.errors ? formatErrors(entry.errors) : undefined;
          if ('items' in entry) {
            const id = streamIds.get(JSON.stringify(entry.path)) ?? announce(pending, entry.path.slice(0, -1), entry.label);
            // Apollo Server's type gives a stream entry's items the fragment data's type parameter (an object).
            incremental.push({ id, items: entry.items as unknown as Record<string, unknown>, ...(errors ? { errors } : {}) });
            complete(id);
            // Streamed lists inside the items just sent are announced with them.
            const list = entry.path.slice(0, -1);
            const from = entry.path.at(-1) as number;
            announceStreams(pending, (stream) => {
              const inner = listOf(stream);
              const index = inner[list.length];
              return inner.length > list.length && list.every((key, at) => inner[at] === key) && typeof index === 'number' && index >= from;
            });
          } else if (entry.data) {
            const key = JSON.stringify(entry.path);
            const id = places?.get(key) ?? announce(pending, entry.path, entry.label);
            places?.delete(key);
            incremental.push({ id, data: entry.data, ...(errors ? { errors } : {}) });
            complete(id);
          } else if (errors) {
            failed = [...(failed ?? []), ...errors];
          }
        }
        // The fragment's other places (its type condition not met, or its data null): completed, with its errors if it failed.
        const rest = [...(places?.values() ?? [])];
        for (const id of rest) complete(id, failed);
        if (failed && rest.length === 0) {
          if (completed[0]) completed[0] = { ...completed[0], errors: [...(completed[0].errors ?? []), ...failed] };
          else complete(announce(pending, [], undefined), failed);
        }
        if (part.fragment !== undefined) fragmentIds.delete(part.fragment);
        yield {
          hasNext: part.hasNext,
          ...(pending.length > 0 ? { pending } : {}),
          ...(incremental.length > 0 ? { incremental } : {}),
          ...(completed.length > 0 ? { completed } : {}),
        };
      }
    } catch (error) {
      // The execution failed midway: whatever is still open ends with that error.
      const failure = error instanceof graphqlRuntime.GraphQLError ? error : new graphqlRuntime.GraphQLError('Unexpected error during query plan execution');
      const errors = formatErrors([failure]);
      yield { hasNext: false, completed: [...open].map((id) => ({ id, errors })) };
    }
  }

  return {
    initialResult: { ...initial, data: initial.data ?? {}, pending: initialPending, hasNext: true },
    subsequentResults: results(),
  };
}
