// @apollo/gateway's dataRewrites.js: the value setters and key renamers a plan asks for on the
// representations it sends and the data it receives (interface objects, aliased keys).
import { assert } from '@apollo/federation-internals';
import type { FetchDataRewrite } from '@apollo/query-planner';
import type { GraphQLSchema } from 'graphql';
import { graphqlRuntime } from '../graphql-runtime.ts';

const { isAbstractType, isInterfaceType, isObjectType } = graphqlRuntime;
import type { ResultObject } from './deep-merge.ts';

const FRAGMENT_PREFIX = '... on ';

export function applyRewrites(schema: GraphQLSchema, rewrites: readonly FetchDataRewrite[] | undefined, value: unknown): void {
  if (!rewrites) return;
  for (const rewrite of rewrites) applyRewrite(schema, rewrite, value);
}

function applyRewrite(schema: GraphQLSchema, rewrite: FetchDataRewrite, value: unknown): void {
  if (rewrite.path.length === 0) return;
  const parent = rewrite.path.slice(0, -1);
  const { kind, value: fieldName } = parsePathElement(rewrite.path[rewrite.path.length - 1] as string);
  assert(kind === 'fieldName', () => `Unexpected fragment as last element of ${String(rewrite.path)}`);
  applyAtPath(schema, parent, value, rewriteAt(rewrite, fieldName));
}

function defineOwn(target: ResultObject, key: string): void {
  if (!Object.prototype.hasOwnProperty.call(target, key) && key in target) {
    Object.defineProperty(target, key, { configurable: true, enumerable: true, value: undefined, writable: true });
  }
}

function rewriteAt(rewrite: FetchDataRewrite, field: string): (object: ResultObject) => void {
  switch (rewrite.kind) {
    case 'ValueSetter':
      return (object) => {
        defineOwn(object, field);
        object[field] = rewrite.setValueTo as unknown;
      };
    case 'KeyRenamer':
      return (object) => {
        const atPath = Object.prototype.hasOwnProperty.call(object, field) ? object[field] : undefined;
        if (atPath) {
          defineOwn(object, rewrite.renameKeyTo);
          object[rewrite.renameKeyTo] = atPath;
          object[field] = undefined;
        }
      };
  }
}

/**
 * Moves the value at `path` (its last element a key) to the key `renameKeyTo`, whatever the value
 * (a KeyRenamer leaves falsy ones where they are): requires-conflicts.ts's representations.
 */
export function moveKey(schema: GraphQLSchema, path: readonly string[], renameKeyTo: string, value: unknown): void {
  const key = path[path.length - 1];
  if (key === undefined) return;
  applyAtPath(schema, path.slice(0, -1), value, (object) => {
    if (!Object.prototype.hasOwnProperty.call(object, key)) return;
    defineOwn(object, renameKeyTo);
    object[renameKeyTo] = object[key];
    delete object[key];
  });
}

function applyAtPath(schema: GraphQLSchema, path: readonly string[], value: unknown, rewrite: (object: ResultObject) => void): void {
  if (Array.isArray(value)) {
    for (const element of value) applyAtPath(schema, path, element, rewrite);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as ResultObject;
  if (path.length === 0) {
    rewrite(object);
    return;
  }
  const [first, ...rest] = path;
  const { kind, value: element } = parsePathElement(first as string);
  if (kind === 'fieldName') applyAtPath(schema, rest, Object.prototype.hasOwnProperty.call(object, element) ? object[element] : undefined, rewrite);
  else if (isObjectOfType(schema, object, element, true)) applyAtPath(schema, rest, object, rewrite);
}

function parsePathElement(element: string): { kind: 'fieldName' | 'typeName'; value: string } {
  return element.startsWith(FRAGMENT_PREFIX) ? { kind: 'typeName', value: element.slice(FRAGMENT_PREFIX.length) } : { kind: 'fieldName', value: element };
}

export function isObjectOfType(schema: GraphQLSchema, object: ResultObject, typeCondition: string, defaultOnUnknownObjectType = false): boolean {
  const typename = object['__typename'];
  if (!typename) return defaultOnUnknownObjectType;
  if (typeCondition === typename) return true;
  const type = schema.getType(typename as string);
  if (!type) return false;
  const conditionalType = schema.getType(typeCondition);
  if (!conditionalType) return false;
  if (isAbstractType(conditionalType)) return (isObjectType(type) || isInterfaceType(type)) && schema.isSubType(conditionalType, type);
  return false;
}
