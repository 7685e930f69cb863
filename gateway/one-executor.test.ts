// One executor in production: ours. The setting that used to switch to @apollo/gateway's executor
// is gone, so a deployment that still sets it gets our executor all the same (@defer, which only
// ours serves).
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient } from '../sdk/client.ts';
import { FIXTURE_SUBGRAPHS } from '../test/support/federation-fixture.ts';
import { startGatewayOverMocks, type GatewayOverMocks } from '../test/support/gateway-over-mocks.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../test/support/mock-subgraphs.ts';
import { graphqlRuntime } from './graphql-runtime.ts';

let mocks: MockSubgraphs;
let gateway: GatewayOverMocks;

beforeAll(async () => {
  mocks = await startMockSubgraphs(FIXTURE_SUBGRAPHS);
  // Left over from before: the gateway reads it no more.
  gateway = await startGatewayOverMocks(mocks, FIXTURE_SUBGRAPHS, { GATEWAY_EXECUTOR: 'apollo' });
});
afterAll(async () => {
  await gateway?.stop();
  await mocks?.stop();
});

describe('a gateway whose environment still says GATEWAY_EXECUTOR=apollo', () => {
  it('runs our executor: @defer is served, the deferred fields in a part of their own', async () => {
    const deferred = graphqlRuntime.parse('query Deferred { topProducts(first: 2) { upc ... @defer { name } } }') as TypedDocumentNode<
      { topProducts: { upc: string; name?: string | null }[] },
      Record<string, never>
    >;
    const parts = [];
    for await (const part of createShopClient({ url: gateway.url }).deferred(deferred, {})) parts.push(part);
    expect(parts.map((part) => part.hasNext)).toEqual([true, false]);
    expect(parts[0]!.errors).toBeUndefined();
    expect(parts[0]!.data!.topProducts.map((product) => Object.keys(product))).toEqual([['upc'], ['upc']]);
    expect(parts[1]!.data!.topProducts.every((product) => typeof product.name === 'string')).toBe(true);
  });
});
