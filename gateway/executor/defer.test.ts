// @defer with incremental delivery: a client that accepts `multipart/mixed;deferSpec=20220824`
// gets the primary part first (without the deferred fields), then the rest; merged, it equals the
// answer in one piece that any other client gets. Through the SDK, over mock subgraphs.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import { createMetrics } from '../../common/metrics.ts';
import { createShopClient } from '../../sdk/client.ts';
import { FIXTURE_SUBGRAPHS, composeFixture } from '../../test/support/federation-fixture.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';
import { loadGatewayConfig } from '../config.ts';
import { createGatewayServer, type GatewayServer } from '../server.ts';
import { graphqlRuntime } from '../subscriptions/graphql-runtime.ts';

let mocks: MockSubgraphs;
let server: GatewayServer;
let url: string;
const bus = createInProcessBus({ log: createLogger('test', 'silent') });

beforeAll(async () => {
  mocks = await startMockSubgraphs(FIXTURE_SUBGRAPHS);
  const supergraphSdl = composeFixture(Object.fromEntries(mocks.subgraphs.map((subgraph) => [subgraph.name, subgraph.url])));
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    ...Object.fromEntries(mocks.subgraphs.map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, subgraph.url])),
  };
  server = createGatewayServer({ config: loadGatewayConfig(env), supergraphSdl, log: createLogger('gateway', 'silent'), metrics: createMetrics('gateway'), bus });
  url = `${await server.listen(0, '127.0.0.1')}/graphql`;
});
afterAll(async () => {
  await server?.stop();
  await mocks?.stop();
  await bus.close();
});

interface Products {
  topProducts: { upc: string; name: string | null; inStock?: boolean | null; shippingEstimate?: number | null; reviews?: { body: string }[] }[];
}
const DEFERRED = graphqlRuntime.parse(
  'query Deferred { topProducts(first: 3) { upc name ... @defer(label: "slow") { inStock shippingEstimate reviews { body } } } }',
) as TypedDocumentNode<Products, Record<string, never>>;
const WHOLE = graphqlRuntime.parse('query Whole { topProducts(first: 3) { upc name inStock shippingEstimate reviews { body } } }') as TypedDocumentNode<Products, Record<string, never>>;

describe('@defer', () => {
  it('streams the primary part first, then the deferred fields; merged, the same answer as in one piece', async () => {
    const client = createShopClient({ url });
    const whole = await client.request(WHOLE, {});
    const parts = [];
    for await (const part of client.deferred(DEFERRED, {})) parts.push(part);
    expect(parts.length).toBe(2);
    const [primary, last] = parts;
    expect(primary!.hasNext).toBe(true);
    expect(primary!.errors).toBeUndefined();
    expect(primary!.data!.topProducts.map((product) => Object.keys(product).sort())).toEqual(whole.topProducts.map(() => ['name', 'upc']));
    expect(last!.hasNext).toBe(false);
    expect(last!.errors).toBeUndefined();
    expect(last!.data).toEqual(whole);
  });

  it('errors of a deferred fetch come with the deferred part, with their paths', async () => {
    mocks.faults.field = { coordinate: 'Product.inStock', kind: 'error' };
    try {
      const parts = [];
      for await (const part of createShopClient({ url }).deferred(DEFERRED, {})) parts.push(part);
      expect(parts[0]!.errors).toBeUndefined();
      const last = parts.at(-1)!;
      expect(last.errors?.map((error) => error.path)).toEqual([
        ['topProducts', 0, 'inStock'],
        ['topProducts', 1, 'inStock'],
        ['topProducts', 2, 'inStock'],
      ]);
      expect(last.data?.topProducts.every((product) => product.inStock === null && product.reviews !== undefined)).toBe(true);
    } finally {
      mocks.faults.field = undefined;
    }
  });

  it('answers in one piece, ignoring @defer, a client that does not accept multipart', async () => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: graphqlRuntime.print(DEFERRED) }) });
    expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    const body = (await response.json()) as { data: Products };
    const whole = await createShopClient({ url }).request(WHOLE, {});
    expect(body.data).toEqual(whole);
  });
});
