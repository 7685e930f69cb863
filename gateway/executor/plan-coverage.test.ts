// A root field the query planner leaves out of its plan (the federation audit's
// non-resolvable-interface-object: an @interfaceObject field whose key no subgraph resolves)
// is refused with an error, not answered with a silent null; what it can plan is unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeServices } from '@apollo/composition';
import { createLogger } from '../../common/logger.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import { createMetrics } from '../../common/metrics.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';
import { loadGatewayConfig } from '../config.ts';
import { createGatewayServer, type GatewayServer } from '../server.ts';
import { graphqlRuntime } from '../subscriptions/graphql-runtime.ts';

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
let server: GatewayServer;
let url: string;
const bus = createInProcessBus({ log: createLogger('test', 'silent') });

beforeAll(async () => {
  mocks = await startMockSubgraphs(SUBGRAPHS);
  const subgraphUrls = Object.fromEntries(mocks.subgraphs.map((subgraph) => [subgraph.name, subgraph.url]));
  const composed = composeServices(Object.entries(SUBGRAPHS).map(([name, sdl]) => ({ name, url: subgraphUrls[name]!, typeDefs: graphqlRuntime.parse(sdl) })));
  if (!composed.supergraphSdl) throw new Error(`does not compose: ${String(composed.errors)}`);
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    ...Object.fromEntries(mocks.subgraphs.map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, subgraph.url])),
  };
  server = createGatewayServer({
    config: loadGatewayConfig(env),
    supergraphSdl: composed.supergraphSdl,
    log: createLogger('gateway', 'silent'),
    metrics: createMetrics('gateway'),
    bus,
  });
  url = `${await server.listen(0, '127.0.0.1')}/graphql`;
});
afterAll(async () => {
  await server?.stop();
  await mocks?.stop();
  await bus.close();
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
