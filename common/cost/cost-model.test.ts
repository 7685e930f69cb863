import { composeServices } from '@apollo/composition';
import { parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createCostEstimator } from './cost-estimator.ts';
import { CostEstimationError, InvalidVariablesError } from './cost-model.ts';

// One subgraph using every argument of @cost and @listSize, composed as ours are (federation 2.10).
const SUBGRAPH = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.10", import: ["@key", "@cost", "@listSize"])
scalar Money @cost(weight: 2)
enum Sort @cost(weight: 3) { NEWEST CHEAPEST }
input Filter { text: String @cost(weight: 4), inStock: Boolean }
type Query {
  product(id: ID!): Product
  products(first: Int, last: Int, after: String): ProductConnection! @listSize(slicingArguments: ["first", "last"], sizedFields: ["edges"])
  page(first: Int, last: Int): [Product!]! @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: false)
  top(limit: Int = 5): [Product!]! @listSize(slicingArguments: ["limit"])
  search(text: String!, filter: Filter, sort: Sort): [Product!]! @cost(weight: 20) @listSize(assumedSize: 50)
  tags: [String!]!
  categories: [Category!]!
  matrix: [[Product!]!]!
  node(id: ID!): Node
  price(id: ID!): Money
  sort: Sort
  report(days: Int @cost(weight: 7)): Int
}
type Mutation { buy(id: ID!): Product  cheap(id: ID!): Boolean @cost(weight: 1) }
interface Node { id: ID! }
type Product implements Node @key(fields: "id") { id: ID! name: String! price: Money reviews: [Review!]! @listSize(assumedSize: 3) }
type Heavy implements Node @cost(weight: 5) { id: ID! parts: [Product!]! @listSize(assumedSize: 4) }
type Review { id: ID! stars: Int! }
type Category { id: ID! products: [Product!]! }
type ProductConnection { edges: [ProductEdge!]! totalCount: Int! }
type ProductEdge { cursor: String! node: Product! }
`;
const composed = composeServices([{ name: 'shop', url: 'http://shop', typeDefs: parse(SUBGRAPH) }]);
if (!composed.supergraphSdl) throw new Error(String(composed.errors));
const estimator = createCostEstimator(composed.supergraphSdl, { defaultListSize: 10 });

const operationOf = (query: string) => {
  const document = parse(query);
  const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition')!;
  return { document, operation };
};
const estimate = (query: string, variables: Record<string, unknown> = {}) => {
  const { document, operation } = operationOf(query);
  return estimator.estimate(document, operation, variables);
};
const actual = (query: string, data: unknown, variables: Record<string, unknown> = {}) => {
  const { document, operation } = operationOf(query);
  return estimator.actual(document, operation, variables, data);
};

describe('estimated cost: defaults', () => {
  it('an object costs 1, a scalar or an enum 0, __typename nothing', () => {
    expect(estimate('{ product(id: 1) { id name __typename } }')).toBe(1);
    expect(estimate('{ __typename }')).toBe(0);
  });
  it('a list without @listSize takes the configured default size, each element at its cost', () => {
    expect(estimate('{ categories { id } }')).toBe(10);
    // 10 categories × (1 + 10 products × 1)
    expect(estimate('{ categories { products { id } } }')).toBe(10 * (1 + 10));
    expect(estimate('{ tags }')).toBe(0);
  });
  it('the default list size is a setting', () => {
    const small = createCostEstimator(composed.supergraphSdl!, { defaultListSize: 2 });
    const { document, operation } = operationOf('{ categories { products { id } } }');
    expect(small.estimate(document, operation, {})).toBe(2 * (1 + 2));
  });
  it('a root mutation field costs 10 unless it says otherwise', () => {
    expect(estimate('mutation { buy(id: 1) { id } }')).toBe(10);
    expect(estimate('mutation { a: buy(id: 1) { id } b: buy(id: 2) { id } }')).toBe(20);
    expect(estimate('mutation { cheap(id: 1) }')).toBe(1);
  });
  it('a nested list is one list of its size', () => {
    expect(estimate('{ matrix { id } }')).toBe(10);
  });
});

describe('estimated cost: @cost', () => {
  it('on a field replaces its type cost, and multiplies by its list size', () => {
    expect(estimate('{ search(text: "x") { id } }')).toBe(50 * 20);
  });
  it('on a scalar and an enum type', () => {
    expect(estimate('{ price(id: 1) }')).toBe(2);
    expect(estimate('{ sort }')).toBe(3);
    expect(estimate('{ product(id: 1) { price } }')).toBe(1 + 2);
  });
  it('on an object type', () => {
    expect(estimate('{ node(id: 1) { ... on Heavy { id } } }')).toBe(5);
  });
  it('on an argument, counted when the argument is given', () => {
    expect(estimate('{ report }')).toBe(0);
    expect(estimate('{ report(days: 3) }')).toBe(7);
    expect(estimate('query ($d: Int) { report(days: $d) }', { d: 1 })).toBe(7);
  });
  it('on an input object field, counted when the field is given', () => {
    expect(estimate('{ search(text: "x", filter: { inStock: true }) { id } }')).toBe(1000);
    expect(estimate('{ search(text: "x", filter: { text: "y" }) { id } }')).toBe(1004);
    expect(estimate('query ($f: Filter) { search(text: "x", filter: $f) { id } }', { f: { text: 'y' } })).toBe(1004);
  });
});

describe('estimated cost: @listSize', () => {
  it('assumedSize', () => {
    expect(estimate('{ product(id: 1) { reviews { stars } } }')).toBe(1 + 3);
  });
  it('slicingArguments: literal, variable, a variable default, an argument default', () => {
    expect(estimate('{ page(first: 7) { id } }')).toBe(7);
    expect(estimate('query ($n: Int) { page(first: $n) { id } }', { n: 30 })).toBe(30);
    expect(estimate('query ($n: Int = 4) { page(first: $n) { id } }')).toBe(4);
    expect(estimate('{ top { id } }')).toBe(5);
  });
  it('several slicing arguments given (allowed without requireOneSlicingArgument): the largest', () => {
    expect(estimate('{ page(first: 7, last: 12) { id } }')).toBe(12);
  });
  it('no slicing argument given (allowed): assumedSize, else the default list size', () => {
    expect(estimate('{ page { id } }')).toBe(10);
  });
  it('sizedFields: a connection sizes its edges by its slicing argument', () => {
    // connection 1 + 25 edges × (edge 1 + node 1) + totalCount 0
    expect(estimate('{ products(first: 25) { totalCount edges { cursor node { id name } } } }')).toBe(1 + 25 * 2);
    expect(estimate('query ($n: Int) { products(last: $n) { edges { node { reviews { id } } } } }', { n: 4 })).toBe(1 + 4 * (1 + 1 + 3));
  });
  it('requireOneSlicingArgument: none or two given is refused with its code', () => {
    expect(() => estimate('{ products { totalCount } }')).toThrow(CostEstimationError);
    expect(() => estimate('{ products(first: 1, last: 2) { totalCount } }')).toThrow(/Query.products needs exactly one of its slicing arguments \(first, last\).*given 2/);
    expect(() => estimate('query ($n: Int) { products(first: $n) { totalCount } }', {})).toThrow(expect.objectContaining({ code: 'COST_SLICING_ARGUMENT_REQUIRED' }));
  });
});

describe('estimated cost: operation shapes', () => {
  const plain = estimate('{ products(first: 20) { edges { node { id reviews { stars } } } } }');
  it('the same selection through fragments, inline fragments and variables costs the same', () => {
    expect(plain).toBe(1 + 20 * (1 + 1 + 3));
    expect(estimate('query { products(first: 20) { ...C } } fragment C on ProductConnection { edges { node { ...P } } } fragment P on Product { id reviews { stars } }')).toBe(
      plain,
    );
    expect(estimate('{ products(first: 20) { ... on ProductConnection { edges { node { id ... { reviews { stars } } } } } } }')).toBe(plain);
    expect(estimate('query ($n: Int!) { products(first: $n) { edges { node { id reviews { stars } } } } }', { n: 20 })).toBe(plain);
  });
  it('a field asked twice under one response key costs once; each alias costs', () => {
    expect(estimate('{ products(first: 20) { edges { node { id reviews { stars } } } edges { node { reviews { id } } } } }')).toBe(plain);
    expect(estimate('{ a: products(first: 20) { edges { node { id reviews { stars } } } } b: products(first: 20) { edges { node { id reviews { stars } } } } }')).toBe(2 * plain);
  });
  it('on an abstract type, the costliest possible type', () => {
    expect(estimate('{ node(id: 1) { id ... on Product { reviews { id } } ... on Heavy { parts { id } } } }')).toBe(Math.max(1 + 3, 5 + 4));
    // A Heavy answered costs its weight 5 even with nothing selected on it: more than a Product's 1 + 3.
    expect(estimate('{ node(id: 1) { ... on Product { reviews { id } } } }')).toBe(5);
    expect(estimate('{ node(id: 1) { ...N } } fragment N on Node { id }')).toBe(5);
  });
  it('@skip and @include, literal or variable', () => {
    expect(estimate('{ categories @skip(if: true) { id } tags }')).toBe(0);
    expect(estimate('query ($on: Boolean!) { categories @include(if: $on) { id } }', { on: false })).toBe(0);
    expect(estimate('query ($on: Boolean!) { categories @include(if: $on) { id } }', { on: true })).toBe(10);
  });
});

describe('actual cost', () => {
  it('counts lists at the length returned, and each object as the type it is', () => {
    const query = '{ products(first: 20) { edges { node { id reviews { stars } } } } }';
    const data = { products: { edges: [{ node: { id: '1', reviews: [{ stars: 5 }] } }, { node: { id: '2', reviews: [] } }] } };
    expect(actual(query, data)).toBe(1 + 2 * 2 + 1);
    expect(actual('{ node(id: 1) { __typename ... on Heavy { parts { id } } } }', { node: { __typename: 'Heavy', parts: [{ id: '1' }] } })).toBe(5 + 1);
    expect(actual('{ search(text: "x") { id } }', { search: [{ id: '1' }, { id: '2' }] })).toBe(40);
    expect(actual('{ product(id: 1) { id } }', { product: null })).toBe(0);
    expect(actual('{ price(id: 1) }', { price: null })).toBe(2);
    expect(actual('mutation { buy(id: 1) { id } }', { buy: { id: '1' } })).toBe(10);
  });
});

describe('cached estimates', () => {
  it('are per operation and the values of the variables its cost reads', () => {
    const { document, operation } = operationOf('query ($n: Int, $text: String!) { page(first: $n) { id } search(text: $text) { id } }');
    expect(estimator.costVariables(document, operation)).toEqual(['n']);
    expect(estimator.cachedEstimate(document, operation, { n: 2, text: 'a' })).toBe(2 + 1000);
    expect(estimator.cachedEstimate(document, operation, { n: 2, text: 'b' })).toBe(2 + 1000);
    expect(estimator.cachedEstimate(document, operation, { n: 3, text: 'b' })).toBe(3 + 1000);
    expect(estimator.cachedEstimate(document, operation, { text: 'b' })).toBe(10 + 1000);
  });
  it('are not made for variables that do not coerce (execution refuses them), nor kept', () => {
    const { document, operation } = operationOf('query ($n: Int, $text: String!) { page(first: $n) { id } search(text: $text) { id } }');
    expect(() => estimator.cachedEstimate(document, operation, { n: 'ten', text: 'a' })).toThrow(InvalidVariablesError);
    expect(() => estimator.cachedEstimate(document, operation, { n: 4, text: 5 })).toThrow(InvalidVariablesError);
    expect(estimator.cachedEstimate(document, operation, { n: 4, text: 'a' })).toBe(4 + 1000);
  });
  it('keep a refusal as a refusal', () => {
    const { document, operation } = operationOf('query ($n: Int) { products(first: $n) { totalCount } }');
    expect(() => estimator.cachedEstimate(document, operation, {})).toThrow(CostEstimationError);
    expect(() => estimator.cachedEstimate(document, operation, {})).toThrow(CostEstimationError);
    expect(estimator.cachedEstimate(document, operation, { n: 5 })).toBe(1);
  });
});
