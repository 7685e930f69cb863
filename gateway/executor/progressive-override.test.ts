// Progressive @override: a field overridden with `label: "percent(N)"` is fetched from the
// overriding subgraph in about N% of requests (drawn per request), from the original otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayOverMocks, type GatewayOverMocks } from '../../test/support/gateway-over-mocks.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';

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
