// A root field the query planner leaves out of its plan (the federation audit's
// non-resolvable-interface-object: an @interfaceObject field whose key no subgraph resolves)
// is refused with an error, not answered with a silent null; what it can plan is unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayOverMocks, type GatewayOverMocks } from '../../test/support/gateway-over-mocks.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';

const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])`;
const SUBGRAPHS = {
  catalog: `${LINK}
    interface Node @key(fields: "id") { id: ID! }
    type Product @key(fields: "id", resolvable: false) @interfaceObject { id: ID! }
    type Query { a: Node product: Product! }`,
  orders: `${LINK}
    type Node @key(fields: "id", resolvable: false) @interfaceObject { id: ID! field: String }
    interface Product @key(fields: "id") { id: ID! }
    type Bread implements Product @key(fields: "id") { id: ID! name: String! }
    type Query { b: Node }`,
};

let mocks: MockSubgraphs;
let gateway: GatewayOverMocks;
let url: string;

beforeAll(async () => {
  mocks = await startMockSubgraphs(SUBGRAPHS);
  gateway = await startGatewayOverMocks(mocks, SUBGRAPHS);
  url = gateway.url;
});
afterAll(async () => {
  await gateway?.stop();
  await mocks?.stop();
});

async function post(query: string): Promise<{ data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return (await response.json()) as { data?: unknown; errors?: { message: string }[] };
}

describe('a root field missing from the plan', () => {
  it('is refused with an error naming it, with no data', async () => {
    const result = await post('{ a { field } }');
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.map((error) => error.message)).toEqual(['The query planner found no way to resolve "a".']);
  });

  it('what the planner does plan is answered as before', async () => {
    expect(await post('{ b { id field } }')).toEqual({ data: { b: { id: expect.any(String), field: expect.any(String) } } });
    expect(await post('{ __typename a @skip(if: true) { field } }')).toEqual({ data: { __typename: 'Query' } });
    // An @interfaceObject whose only key is non-resolvable still plans (patches/@apollo+query-graphs+2.14.4.patch
    // keeps it): the concrete type is asked of the subgraph with the interface (the mock cannot answer it).
    mocks.received.get('orders')!.length = 0;
    const interfaceObject = await post('{ product { ... on Bread { id } } }');
    expect(interfaceObject.data).toEqual({ product: expect.any(Object) });
    expect(mocks.received.get('orders')!.join('\n')).toContain('_entities');
  });
});
