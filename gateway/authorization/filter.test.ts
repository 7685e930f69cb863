// The filter and the response completion on a small schema: what the filtered document asks for,
// and where null lands (lists, non-null fields, nested objects, type conditions, @skip).
import type { GraphQLFormattedError, GraphQLNamedType, OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { graphqlRuntime } from '../graphql-runtime.ts';
import { completeResponse, filterOperation, refusalFor, requirementsIn } from './filter.ts';
import type { Requirement, SchemaRequirements } from './requirements.ts';

const { buildSchema, parse, print } = graphqlRuntime;

const api = buildSchema(`
  type Query { a: A!  list: [A!]  items: [A]  node: Node }
  interface Node { id: ID! }
  type A implements Node { id: ID! x: String! y: String b: B }
  type B implements Node { id: ID! z: String! w: String }
`);
const SIGNED_IN: Requirement = { authenticated: true, scopes: [], policies: [], key: 'signed-in' };
const GUARDED = new Set(['A.x', 'B.z']);
const requirements: SchemaRequirements = {
  any: true,
  policyNames: new Set(),
  of: (parent: GraphQLNamedType, field: string) => (GUARDED.has(`${parent.name}.${field}`) ? SIGNED_IN : undefined),
};

function run(query: string, data: Record<string, unknown>, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition')!;
  const filtered = filterOperation(document, operation, api, requirements, () => true);
  const errors: GraphQLFormattedError[] = [];
  const completed = completeResponse(structuredClone(data), filtered.removals, 'Query', api, variables, errors, refusalFor(false));
  expect(errors.every((error) => error.extensions?.['code'] === 'UNAUTHENTICATED' && error.extensions['deniedBy'] === 'gateway')).toBe(true);
  return { printed: print(filtered.document), completed, paths: errors.map((error) => error.path?.join('.')) };
}

describe('the authorization filter', () => {
  it('finds the requirements of an operation, in its fragments too', () => {
    const document = parse('{ a { ...F } } fragment F on A { x y }');
    expect([...requirementsIn(document, api, requirements).values()].map((use) => [...use.coordinates])).toEqual([['A.x']]);
  });

  it('takes the fields out, and the variables only they used', () => {
    const { printed } = run('query Q($v: Boolean!) { a { id x @include(if: $v) } }', { a: { id: '1', _authzTypename: 'A' } }, { v: true });
    expect(printed).not.toMatch(/\bx\b|\$v/);
    expect(printed).toContain('_authzTypename: __typename');
  });

  it('nulls a removed non-null field in a list of non-null items: the nullable list becomes null', () => {
    const { completed, paths } = run('{ list { y x } }', {
      list: [
        { y: '1', _authzTypename: 'A' },
        { y: '2', _authzTypename: 'A' },
      ],
    });
    expect(completed).toEqual({ list: null });
    expect(paths).toEqual(['list.0.x', 'list.1.x']);
  });

  it('nulls only the item in a list of nullable items', () => {
    const { completed } = run('{ items { y x } }', { items: [{ y: '1', _authzTypename: 'A' }, null] });
    expect(completed).toEqual({ items: [null, null] });
  });

  it('propagates to the root through non-null fields, and stops at a nullable one', () => {
    expect(run('{ a { x } }', { a: { _authzTypename: 'A' } }).completed).toBeNull();
    const nested = run('{ a { y b { z w } } }', { a: { y: 'y', b: { w: 'w', _authzTypename: 'B' }, _authzTypename: 'A' } });
    expect(nested.completed).toEqual({ a: { y: 'y', b: null } });
    expect(nested.paths).toEqual(['a.b.z']);
  });

  it('applies a field of a type condition only to objects of that type', () => {
    const query = '{ node { id ... on A { y x } ... on B { w } } }';
    expect(run(query, { node: { id: '1', w: 'w', _authzTypename: 'B' } })).toMatchObject({ completed: { node: { id: '1', w: 'w' } }, paths: [] });
    expect(run(query, { node: { id: '1', y: 'y', _authzTypename: 'A' } })).toMatchObject({ completed: { node: null }, paths: ['node.x'] });
  });

  it('adds no null and no error for a field @skip leaves out', () => {
    const { completed, paths } = run('query Q($s: Boolean!) { a { y x @skip(if: $s) } }', { a: { y: 'y', _authzTypename: 'A' } }, { s: true });
    expect(completed).toEqual({ a: { y: 'y' } });
    expect(paths).toEqual([]);
  });
});
