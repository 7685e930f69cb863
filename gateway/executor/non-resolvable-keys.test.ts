// A @requires field whose subgraph declares several keys, the first ones non-resolvable (the
// federation audit's keys-mashup): the fetch back into that subgraph must use its resolvable key.
// @apollo/query-graphs 2.14.4 took the first key (patches/@apollo+query-graphs+2.14.4.patch), so
// the subgraph got a representation it cannot resolve and answered null. Over mock subgraphs,
// by the representations the subgraph receives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayOverMocks, startOracleOverMocks, type GatewayOverMocks } from '../../test/support/gateway-over-mocks.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';

const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@external", "@requires"])`;
const SUBGRAPHS = {
  catalog: `${LINK}
    type A @key(fields: "id") @key(fields: "pId", resolvable: false) @key(fields: "compositeId { one two }", resolvable: false) @key(fields: "id compositeId { two three }", resolvable: false) { id: ID! pId: ID! compositeId: CompositeID! name: String! }
    type CompositeID { one: ID! two: ID! three: ID! }`,
  orders: `${LINK}
    type Query { b: B }
    type B @key(fields: "id") { id: ID! a: [A!]! }
    type A @key(fields: "compositeId { one two }", resolvable: false) @key(fields: "id compositeId { two three }") @key(fields: "pId", resolvable: false) @key(fields: "id", resolvable: false) {
      id: ID! pId: ID! compositeId: CompositeID! name: String! @external nameInB: String! @requires(fields: "name")
    }
    type CompositeID { one: ID! two: ID! three: ID! }`,
};

let mocks: MockSubgraphs;
const gateways: GatewayOverMocks[] = [];
const urls: string[] = [];

beforeAll(async () => {
  mocks = await startMockSubgraphs(SUBGRAPHS);
  for (const executor of ['native', 'apollo']) {
    const gateway = await (executor === 'native' ? startGatewayOverMocks : startOracleOverMocks)(mocks, SUBGRAPHS);
    gateways.push(gateway);
    urls.push(gateway.url);
  }
});
afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await mocks?.stop();
});

describe('the fetch back into a subgraph for @requires', () => {
  it.each([0, 1])('sends the key the subgraph can resolve (executor %i: native, apollo)', async (index) => {
    const received = mocks.received.get('orders')!;
    received.length = 0;
    const response = await fetch(urls[index]!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ b { id a { id name nameInB } } }' }),
    });
    const body = (await response.json()) as { data?: { b: { a: { nameInB: string | null }[] } }; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    expect(body.data!.b.a.length).toBeGreaterThan(0);
    const representations = received
      .map((text) => JSON.parse(text) as { variables?: { representations?: Record<string, unknown>[] } })
      .flatMap((request) => request.variables?.representations ?? []);
    expect(representations.length).toBeGreaterThan(0);
    for (const representation of representations) {
      expect(representation).toMatchObject({ __typename: 'A', id: expect.any(String), compositeId: { two: expect.any(String), three: expect.any(String) } });
    }
  });
});
