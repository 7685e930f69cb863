// An entity fetch sends each distinct representation once (as Apollo Router and Hive Gateway do):
// in a deep operation the same entity recurs at many places (one author under every review), and
// each copy cost the subgraph a resolution and both sides its bytes. The subgraph's answer is then
// spread back to every place, so the executor sees what it would have seen with every copy sent:
// one `_entities` element per representation (each its own object, since later fetches merge into
// it) and one error per representation an error names, in representation order.
import type { GraphQLFormattedError } from 'graphql';
import type { SubgraphResponse } from '../fetch/fetch-types.ts';
import type { ResultObject } from './deep-merge.ts';

export interface UniqueRepresentations {
  /** What the fetch sends. */
  readonly unique: ResultObject[];
  /** The subgraph's answer to `unique`, as the answer to every representation. */
  expand(response: SubgraphResponse): SubgraphResponse;
}

/** Undefined when every representation is distinct (the fetch goes as it is). */
export function uniqueRepresentations(representations: readonly ResultObject[]): UniqueRepresentations | undefined {
  if (representations.length < 2) return undefined;
  const indexOf = new Map<string, number>();
  const unique: ResultObject[] = [];
  // For each representation, the index of its distinct copy.
  const toUnique = new Array<number>(representations.length);
  for (let index = 0; index < representations.length; index++) {
    const representation = representations[index] as ResultObject;
    const key = JSON.stringify(representation);
    let at = indexOf.get(key);
    if (at === undefined) {
      at = unique.length;
      indexOf.set(key, at);
      unique.push(representation);
    }
    toUnique[index] = at;
  }
  if (unique.length === representations.length) return undefined;
  return { unique, expand: (response) => expandResponse(response, toUnique, unique.length) };
}

function expandResponse(response: SubgraphResponse, toUnique: readonly number[], uniqueCount: number): SubgraphResponse {
  const entities = response.data?.['_entities'];
  // Anything else (no data, a wrong length) is answered as it came: the executor reports it.
  if (!Array.isArray(entities) || entities.length !== uniqueCount) return response;
  const used = new Array<boolean>(uniqueCount).fill(false);
  const expanded = toUnique.map((at) => {
    const entity: unknown = entities[at];
    if (used[at]) return copyOf(entity);
    used[at] = true;
    return entity;
  });
  return {
    ...response,
    data: { ...response.data, _entities: expanded },
    ...(response.errors ? { errors: expandErrors(response.errors, toUnique, uniqueCount) } : {}),
  };
}

// An error at `_entities.<i>` stands for every representation that was sent as the i-th; those
// errors come in representation order (as a subgraph lists the errors of a list), where the
// first of them stood. Errors elsewhere keep their place.
function expandErrors(errors: readonly GraphQLFormattedError[], toUnique: readonly number[], uniqueCount: number): GraphQLFormattedError[] {
  const entityErrors = new Map<number, GraphQLFormattedError[]>();
  const result: (GraphQLFormattedError | undefined)[] = [];
  let slot = -1;
  for (const error of errors) {
    const at = error.path?.[1];
    if (typeof at !== 'number' || at < 0 || at >= uniqueCount) {
      result.push(error);
      continue;
    }
    if (slot < 0) {
      slot = result.length;
      result.push(undefined);
    }
    entityErrors.set(at, [...(entityErrors.get(at) ?? []), error]);
  }
  if (slot < 0) return errors.slice();
  const spread: GraphQLFormattedError[] = [];
  toUnique.forEach((at, index) => {
    for (const error of entityErrors.get(at) ?? []) {
      const path = error.path as readonly (string | number)[];
      spread.push({ ...error, path: [path[0] as string | number, index, ...path.slice(2)] });
    }
  });
  result.splice(slot, 1, ...spread);
  return result as GraphQLFormattedError[];
}

// A parsed JSON value, copied.
function copyOf(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyOf);
  const copy: ResultObject = {};
  for (const key of Object.keys(value)) {
    const copied = copyOf((value as ResultObject)[key]);
    // JSON.parse makes `__proto__` an own property; an assignment would set the prototype instead.
    if (key === '__proto__') Object.defineProperty(copy, key, { configurable: true, enumerable: true, value: copied, writable: true });
    else copy[key] = copied;
  }
  return copy;
}
