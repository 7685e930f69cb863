// Progressive @override: a field overridden with `label: "percent(N)"` is fetched from the
// overriding subgraph in about N% of requests (drawn per request), from the original otherwise.
import { composeServices } from '@apollo/composition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import { createMetrics } from '../../common/metrics.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';
import { loadGatewayConfig } from '../config.ts';
import { createGatewayServer, type GatewayServer } from '../server.ts';
import { graphqlRuntime } from '../subscriptions/graphql-runtime.ts';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override"])';
const SUBGRAPHS = {
  accounts: `${LINK}
    type Query { things: [Thing!]! }
    type Thing @key(fields: "id") { id: ID! alpha: String beta: String gamma: String }`,
  catalog: `${LINK}
    type Thing @key(fields: "id") { id: ID!
      alpha: String @override(from: "accounts", label: "percent(0)")
      beta: String @override(from: "accounts", label: "percent(100)")
      gamma: String @override(from: "accounts", label: "percent(50)") }`,
};
const REQUESTS = 40;

let mocks: MockSubgraphs;
let server: GatewayServer;
let url: string;
const bus = createInProcessBus({ log: createLogger('test', 'silent') });

beforeAll(async () => {
  mocks = await startMockSubgraphs(SUBGRAPHS);
  const urls = Object.fromEntries(mocks.subgraphs.map((subgraph) => [subgraph.name, subgraph.url]));
  const composed = composeServices(Object.entries(SUBGRAPHS).map(([name, sdl]) => ({ name, url: urls[name]!, typeDefs: graphqlRuntime.parse(sdl) })));
  if (!composed.supergraphSdl) throw new Error(String(composed.errors));
  const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_ENABLED: 'false', SUBGRAPH_URL_ACCOUNTS: urls['accounts']!, SUBGRAPH_URL_CATALOG: urls['catalog']! };
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

describe('progressive @override labels', () => {
  it('are drawn per request: percent(0) never moves the field, percent(100) always, percent(50) sometimes', async () => {
    mocks.received.forEach((bodies) => (bodies.length = 0));
    for (let index = 0; index < REQUESTS; index++) {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ things { id alpha beta gamma } }' }) });
      const body = (await response.json()) as { data?: { things: unknown[] }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data?.things.length).toBeGreaterThan(0);
    }
    const asking = (subgraph: string, field: string) => mocks.received.get(subgraph)!.filter((request) => request.includes(field)).length;
    expect(asking('catalog', 'alpha')).toBe(0);
    expect(asking('accounts', 'alpha')).toBe(REQUESTS);
    expect(asking('catalog', 'beta')).toBe(REQUESTS);
    expect(asking('accounts', 'beta')).toBe(0);
    // Each side wins a fair coin at least once in 40 tosses (all the same: 2 in 2^40).
    expect(asking('catalog', 'gamma')).toBeGreaterThan(0);
    expect(asking('accounts', 'gamma')).toBeGreaterThan(0);
    expect(asking('catalog', 'gamma') + asking('accounts', 'gamma')).toBe(REQUESTS);
  });
});
