// @context / @fromContext (federation 2.8): a field's argument takes its value from an ancestor
// in the response, possibly resolved by another subgraph. @apollo/query-planner plans it as a
// fetch whose `contextRewrites` say where each contextual variable's value is, relative to the
// entity the fetch is for: `..` up one object (lists do not count), `... on T` the object must be
// a T, then a field. Different entities may see different values, and a fetch has one variable of
// each name, so the entities are grouped by the values they see: one group goes as planned; several
// go as one fetch per group, all ready at once (the batch layer, when on, sends them as one request),
// and their answers are put back in the order of the representations.
import type { FetchDataKeyRenamer } from '@apollo/query-planner';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { SubgraphResponse } from '../fetch/fetch-types.ts';
import { isObjectOfType } from './data-rewrites.ts';
import type { ResultObject } from './deep-merge.ts';

type ResponsePath = readonly (string | number)[];

const FRAGMENT_PREFIX = '... on ';

export interface EntityInPlace {
  readonly entity: ResultObject;
  /** The objects above it in the response, nearest last (lists do not count). */
  readonly ancestors: readonly ResultObject[];
}

/** Each entity at `path`, in the order a Flatten sees them (nulls left out), with the objects above it. */
export function entitiesWithAncestors(root: unknown, path: ResponsePath): EntityInPlace[] {
  const found: EntityInPlace[] = [];
  const walk = (value: unknown, index: number, ancestors: ResultObject[]): void => {
    if (value === null || value === undefined) return;
    if (index === path.length) {
      if (Array.isArray(value)) {
        for (const element of value as unknown[]) if (element !== null && element !== undefined) found.push({ entity: element as ResultObject, ancestors });
      } else found.push({ entity: value as ResultObject, ancestors });
      return;
    }
    const key = path[index];
    if (key === '@') {
      for (const element of value as unknown[]) walk(element, index + 1, ancestors);
      return;
    }
    if (Array.isArray(value) || typeof value !== 'object') return;
    const object = value as ResultObject;
    if (!Object.prototype.hasOwnProperty.call(object, key as string)) return;
    walk(object[key as string], index + 1, [...ancestors, object]);
  };
  walk(root, 0, []);
  return found;
}

/**
 * The value of each contextual variable for one entity: the first rewrite of a variable that
 * reaches a value wins (the planner lists one per ancestor the context may be set on).
 */
export function contextValuesOf(
  schema: GraphQLSchema,
  rewrites: readonly FetchDataKeyRenamer[],
  entity: ResultObject,
  ancestors: readonly ResultObject[],
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const rewrite of rewrites) {
    if (Object.prototype.hasOwnProperty.call(values, rewrite.renameKeyTo)) continue;
    const value = valueAt(schema, rewrite.path, entity, ancestors);
    if (value !== undefined) values[rewrite.renameKeyTo] = value;
  }
  return values;
}

function valueAt(schema: GraphQLSchema, path: readonly string[], entity: ResultObject, ancestors: readonly ResultObject[]): unknown {
  let current: unknown = entity;
  let up = ancestors.length;
  for (const element of path) {
    if (current === null || current === undefined || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (element === '..') {
      up -= 1;
      if (up < 0) return undefined;
      current = ancestors[up];
    } else if (element.startsWith(FRAGMENT_PREFIX)) {
      if (!isObjectOfType(schema, current as ResultObject, element.slice(FRAGMENT_PREFIX.length))) return undefined;
    } else {
      const object = current as ResultObject;
      current = Object.prototype.hasOwnProperty.call(object, element) ? object[element] : undefined;
    }
  }
  return current;
}

export interface ContextGroup {
  /** The contextual variables this group's entities see. */
  readonly values: Record<string, unknown>;
  /** Indexes into the fetch's representations. */
  readonly members: number[];
}

/** The representations grouped by the contextual values they see, in order of first appearance. */
export function groupByContext(valuesOf: readonly Record<string, unknown>[]): ContextGroup[] {
  const groups = new Map<string, ContextGroup>();
  valuesOf.forEach((values, index) => {
    const key = JSON.stringify(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let group = groups.get(key);
    if (!group) {
      group = { values, members: [] };
      groups.set(key, group);
    }
    group.members.push(index);
  });
  return [...groups.values()];
}

/**
 * The groups' answers as one answer to all the representations: `_entities` in representation
 * order, an error at a group's `_entities.<i>` moved to the representation it was about. A group
 * whose answer has no `_entities` list leaves its entities null, with its errors as they came.
 */
export function mergeGroupAnswers(groups: readonly ContextGroup[], answers: readonly SubgraphResponse[], count: number): SubgraphResponse {
  const entities: unknown[] = new Array<unknown>(count).fill(null);
  const errors: GraphQLFormattedError[] = [];
  let extensions: Record<string, unknown> | undefined;
  groups.forEach((group, at) => {
    const answer = answers[at] as SubgraphResponse;
    const received = answer.data?.['_entities'];
    if (Array.isArray(received)) group.members.forEach((representation, index) => (entities[representation] = received[index] ?? null));
    for (const error of answer.errors ?? []) {
      const index = error.path?.[1];
      const representation = typeof index === 'number' ? group.members[index] : undefined;
      errors.push(representation === undefined || !error.path ? error : { ...error, path: [error.path[0] as string, representation, ...error.path.slice(2)] });
    }
    if (answer.extensions) extensions = { ...extensions, ...answer.extensions };
  });
  return { data: { _entities: entities }, ...(errors.length > 0 ? { errors } : {}), ...(extensions ? { extensions } : {}) };
}
