import type { OperationType } from '../subscriptions/http-stream-framing.ts';
import { graphqlRuntime } from '../graphql-runtime.ts';

// Apps send the same few texts over and over: the type of each is found once.
const CACHED_TEXTS = 1_000;
const CACHEABLE_LENGTH = 20_000;
const cache = new Map<string, OperationType | undefined>();

/**
 * The type of the operation a GraphQL-over-HTTP body asks to run (its `query`, the one named by
 * `operationName`), or undefined when it names none: not an object, unparseable, an unknown name.
 * Parsing stops at `maxTokens`, as Apollo's own parse does.
 */
export function operationTypeOf(body: unknown, maxTokens: number): OperationType | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { query, operationName } = body as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return undefined;
  const name = typeof operationName === 'string' ? operationName : undefined;
  const key = `${name ?? ''}\n${query}`;
  if (cache.has(key)) return cache.get(key);
  let type: OperationType | undefined;
  try {
    type = graphqlRuntime.getOperationAST(graphqlRuntime.parse(query, { maxTokens }), name)?.operation;
  } catch {
    type = undefined; // Apollo or the stream handler answers the parse error
  }
  if (query.length <= CACHEABLE_LENGTH) {
    if (cache.size >= CACHED_TEXTS) cache.delete(cache.keys().next().value as string);
    cache.set(key, type);
  }
  return type;
}
