// @defer with incremental delivery: a client that accepts `multipart/mixed;deferSpec=20220824`
// gets the primary part first (without the deferred fields), then each deferred fragment as soon
// as its own fetches are done, with its own errors; merged, it equals the answer in one piece that
// any other client gets. Through the SDK, raw multipart and Apollo Client 4, over mock subgraphs
// (one of them held back until the fast part has arrived: order of arrival, not timings).
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import { createMetrics } from '../../common/metrics.ts';
import { createShopClient } from '../../sdk/client.ts';
import { multipartBoundary, multipartParts } from '../../sdk/multipart.ts';
import { testTiming } from '../../test/support/test-timing.ts';
import { FIXTURE_SUBGRAPHS, composeFixture } from '../../test/support/federation-fixture.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';
import { loadGatewayConfig } from '../config.ts';
import { createGatewayServer, type GatewayServer } from '../server.ts';
import { graphqlRuntime } from '../graphql-runtime.ts';

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
    // Longer than a held subgraph may wait for its release (see hold below).
    SUBGRAPH_TIMEOUT_MS: String(testTiming.conditionMs * 2),
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
const WHOLE = graphqlRuntime.parse('query Whole { topProducts(first: 3) { upc name inStock shippingEstimate reviews { body } } }') as TypedDocumentNode<
  Products,
  Record<string, never>
>;

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

  it('sends each deferred fragment as soon as it is done: the fast one before the slow subgraph answers', async () => {
    const { parts, releasedBy } = await withOrdersHeld(async (release) => {
      const parts: IncrementalPart[] = [];
      for await (const part of rawParts(TWO_SPEEDS)) {
        parts.push(part);
        if (part.incremental?.some((increment) => increment.label === 'fast')) release('the fast part');
      }
      return parts;
    });
    expect(releasedBy).toBe('the fast part');
    expect(parts.map((part) => part.hasNext)).toEqual([true, true, false]);
    const [primary, fast, slow] = parts;
    expect(primary!.data!['topProducts']).toHaveLength(3);
    for (const product of primary!.data!['topProducts'] as Record<string, unknown>[]) expect(Object.keys(product).sort()).toEqual(['name', 'upc']);
    // One payload per list element, at its path, with the fragment's fields only.
    expect(fast!.incremental!.map(({ path, label, data }) => ({ path, label, keys: Object.keys(data ?? {}) }))).toEqual(
      [0, 1, 2].map((index) => ({ path: ['topProducts', index], label: 'fast', keys: ['inStock'] })),
    );
    expect(slow!.incremental!.map(({ path, label, data }) => ({ path, label, keys: Object.keys(data ?? {}) }))).toEqual(
      [0, 1, 2].map((index) => ({ path: ['topProducts', index], label: 'slow', keys: ['reviews'] })),
    );
    expect(parts.flatMap((part) => [...(part.errors ?? []), ...(part.incremental ?? []).flatMap((increment) => increment.errors ?? [])])).toEqual([]);
  });

  it("errors of a deferred fetch land in that fragment's part, not in the others", async () => {
    mocks.faults.field = { coordinate: 'Review.body', kind: 'error' };
    try {
      const parts: IncrementalPart[] = [];
      for await (const part of rawParts(TWO_SPEEDS)) parts.push(part);
      const errorsByLabel = (label: string) =>
        parts.flatMap((part) => (part.incremental ?? []).filter((increment) => increment.label === label).flatMap((increment) => increment.errors ?? []));
      expect(parts[0]!.errors).toBeUndefined();
      expect(errorsByLabel('fast')).toEqual([]);
      const slowErrors = errorsByLabel('slow');
      expect(slowErrors.length).toBeGreaterThan(0);
      for (const error of slowErrors) expect(error.path?.slice(0, 3)).toEqual(['topProducts', expect.any(Number), 'reviews']);
    } finally {
      mocks.faults.field = undefined;
    }
  });

  it('a fragment deferred inside a deferred one follows it; a fragment without a label is sent without one', async () => {
    const nested = graphqlRuntime.parse('query Nested { topProducts(first: 2) { upc ... @defer { name reviews { rating ... @defer { body } } } } }') as TypedDocumentNode<
      Products,
      Record<string, never>
    >;
    const parts: IncrementalPart[] = [];
    for await (const part of rawParts(nested)) parts.push(part);
    expect(parts.map((part) => part.hasNext)).toEqual([true, true, false]);
    const increments = parts.slice(1).map((part) => part.incremental!.map(({ path, label, data }) => ({ path, label, keys: Object.keys(data ?? {}) })));
    expect(increments[0]).toEqual([0, 1].map((index) => ({ path: ['topProducts', index], label: undefined, keys: ['name', 'reviews'] })));
    expect(increments[1]!.length).toBeGreaterThan(0);
    for (const { path, label, keys } of increments[1]!) {
      expect(path).toEqual(['topProducts', expect.any(Number), 'reviews', expect.any(Number)]);
      expect(label).toBeUndefined();
      expect(keys).toEqual(['body']);
    }
    const whole = await createShopClient({ url }).request(
      graphqlRuntime.parse('query { topProducts(first: 2) { upc name reviews { rating body } } }') as TypedDocumentNode<Products, Record<string, never>>,
      {},
    );
    let merged: unknown;
    for await (const part of createShopClient({ url }).deferred(nested, {})) merged = part.data;
    // The same shape (mock values differ when a field comes from an entity fetch instead of the root one).
    const shape = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(shape)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]))
          : typeof value;
    expect(shape(merged)).toEqual(shape(whole));
  });

  it('Apollo Client 4 shows the fast fragment before the slow subgraph answers, then the whole answer', async () => {
    const whole = await createShopClient({ url }).request(WHOLE_TWO_SPEEDS, {});
    const { snapshots, releasedBy } = await withOrdersHeld(async (release) => {
      const client = new ApolloClient({ link: new HttpLink({ uri: url }), cache: new InMemoryCache(), incrementalHandler: new Defer20220824Handler() });
      const snapshots: Products[] = [];
      await new Promise<void>((resolve, reject) => {
        const subscription = client.watchQuery({ query: TWO_SPEEDS, fetchPolicy: 'network-only' }).subscribe({
          next: (result) => {
            if (result.error) reject(result.error);
            if (!result.data || !('topProducts' in result.data)) return;
            const data = result.data as Products;
            snapshots.push(data);
            if (data.topProducts.every((product) => product.inStock !== undefined)) release('the fast part');
            if (data.topProducts.every((product) => product.reviews !== undefined)) {
              subscription.unsubscribe();
              resolve();
            }
          },
          error: reject,
        });
      });
      client.stop();
      return snapshots;
    });
    expect(releasedBy).toBe('the fast part');
    expect(snapshots.some((data) => data.topProducts.every((product) => product.inStock !== undefined && product.reviews === undefined))).toBe(true);
    const last = snapshots.at(-1)!;
    expect(last.topProducts.map(({ upc, name, inStock, reviews }) => ({ upc, name, inStock, reviews: reviews?.map(({ body }) => ({ body })) }))).toEqual(
      whole.topProducts.map(({ upc, name, inStock, reviews }) => ({ upc, name, inStock, reviews })),
    );
  });

  it('answers in one piece, ignoring @defer, a client that does not accept multipart', async () => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: graphqlRuntime.print(DEFERRED) }) });
    expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    const body = (await response.json()) as { data: Products };
    const whole = await createShopClient({ url }).request(WHOLE, {});
    expect(body.data).toEqual(whole);
  });
});

const TWO_SPEEDS = graphqlRuntime.parse(
  'query TwoSpeeds { topProducts(first: 3) { upc name ... @defer(label: "fast") { inStock } ... @defer(label: "slow") { reviews { body } } } }',
) as TypedDocumentNode<Products, Record<string, never>>;
const WHOLE_TWO_SPEEDS = graphqlRuntime.parse('query WholeTwoSpeeds { topProducts(first: 3) { upc name inStock reviews { body } } }') as TypedDocumentNode<
  Products,
  Record<string, never>
>;

interface IncrementalPart {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[] }[];
  hasNext?: boolean;
  incremental?: { data: Record<string, unknown> | null; path: (string | number)[]; label?: string; errors?: { message: string; path?: (string | number)[] }[] }[];
}

/** The parts of a deferred response as they arrive, unmerged. */
async function* rawParts(document: TypedDocumentNode<Products, Record<string, never>>): AsyncGenerator<IncrementalPart> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed;deferSpec=20220824, application/json' },
    body: JSON.stringify({ query: graphqlRuntime.print(document) }),
  });
  expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
  for await (const part of multipartParts<never>(response.body as unknown as AsyncIterable<Uint8Array>, multipartBoundary(response.headers.get('content-type')!))) {
    yield part as unknown as IncrementalPart;
  }
}

/**
 * Runs `body` with the orders subgraph (the slow fragment's) held until `body` releases it (or,
 * failing that, a deadline passes, so a gateway that waits for everything fails the assertion on
 * `releasedBy` instead of hanging).
 */
async function withOrdersHeld<T>(body: (release: (by: string) => void) => Promise<T>): Promise<{ releasedBy: string } & Record<'parts' | 'snapshots', T>> {
  let releasedBy = '';
  let release!: (by: string) => void;
  const until = new Promise<void>((resolve) => {
    release = (by) => {
      releasedBy ||= by;
      resolve();
    };
  });
  const deadline = setTimeout(() => release('the deadline'), testTiming.conditionMs);
  mocks.faults.hold = { subgraph: 'orders', until };
  try {
    const result = await body(release);
    return { releasedBy, parts: result, snapshots: result };
  } finally {
    clearTimeout(deadline);
    mocks.faults.hold = undefined;
  }
}
