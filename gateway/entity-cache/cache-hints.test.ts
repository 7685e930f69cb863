// The hints as the gateway reads them from the composed supergraph: Apollo's @cacheControl rules
// per fetch, the invalidating topics, and the entity tags of an answer.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCacheHints } from './cache-hints.ts';

const hints = readCacheHints(readFileSync(new URL('../../supergraph.graphql', import.meta.url), 'utf8'));
const ENTITIES = 'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { inventory { available } inStock } } }';

describe('cache hints read from the supergraph', () => {
  it('finds the invalidating topics the subgraphs declare', () => {
    expect(hints.topics.length).toBeGreaterThan(0);
    expect(hints.invalidations.every((declared) => declared.topic && declared.type && declared.idField)).toBe(true);
  });

  it('gives a root fetch the shortest maxAge of its parts, and no shape to one with a part without a hint', () => {
    const shape = hints.shapeOf('query ($first: Int) { products(first: $first) { edges { node { __typename id name price { amount } category { name } } } } }');
    expect(shape).toMatchObject({ kind: 'root', policy: { scope: 'PUBLIC' } });
    expect(shape!.policy.maxAge).toBeGreaterThan(0);
    expect(hints.shapeOf('{ me { id orders { id } } }')).toBeUndefined();
    expect(hints.shapeOf('mutation { logOut(refreshToken: "x") }')).toBeUndefined();
    expect(hints.shapeOf('{ nope }')).toBeUndefined();
  });

  it('scopes a fetch PRIVATE when one of its fields is', () => {
    expect(hints.shapeOf(ENTITIES)?.policy.scope).toBe('PUBLIC');
    expect(hints.shapeOf(ENTITIES.replace('available', 'available onHand'))?.policy.scope).toBe('PRIVATE');
    expect(hints.shapeOf('{ me { id email } }')?.policy.scope).toBe('PRIVATE');
  });

  it('tags a list with each entity it holds, by the type alone when the key was not selected, and as a list of the type', () => {
    const withIds = hints.shapeOf('{ products(first: 2) { edges { node { id name } } } }')!;
    expect([...withIds.tagsOf({ products: { edges: [{ node: { id: 'a', name: 'A' } }, { node: { id: 'b', name: 'B' } }] } })].sort()).toEqual([
      'Product:a',
      'Product:b',
      'Product[]',
    ]);
    const withoutIds = hints.shapeOf('{ products(first: 2) { edges { node { name } } } }')!;
    expect([...withoutIds.tagsOf({ products: { edges: [{ node: { name: 'A' } }] } })].sort()).toEqual(['Product', 'Product[]']);
    // An empty list may hold a product tomorrow: it is a list of the type all the same.
    expect([...withIds.tagsOf({ products: { edges: [] } })]).toEqual(['Product[]']);
    // A single product is no list.
    expect([...hints.shapeOf('query ($id: ID!) { product(id: $id) { id name } }')!.tagsOf({ product: { id: 'a', name: 'A' } })]).toEqual(['Product:a']);
  });

  it('drops every kept list of a type on the topics declared with lists: true (a created product), and only there', () => {
    const catalog = hints.invalidations.filter((declared) => declared.topic === 'catalog.product-upserted');
    expect(catalog).toEqual([expect.objectContaining({ type: 'Product', lists: true })]);
    const stock = hints.invalidations.filter((declared) => declared.topic === 'inventory.stock-changed');
    expect(stock).toEqual([expect.objectContaining({ type: 'Product', lists: false })]);
  });

  it("tags an entity by its representation, and a mutation's answer by the entities it names", () => {
    expect([...hints.shapeOf(ENTITIES)!.tagsOf({ inventory: { available: 1 }, inStock: true }, { __typename: 'Product', id: 'p1' })]).toEqual(['Product:p1']);
    expect([...hints.entityTagsOf('mutation { updateProduct(id: "p1", input: {}) { id name } }', { updateProduct: { id: 'p1', name: 'x' } })]).toEqual(['Product:p1']);
  });
});
