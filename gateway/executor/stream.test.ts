// @stream with incremental delivery (deferSpec=20220824): a client that accepts multipart gets the
// first `initialCount` items of each streamed list in the initial payload and the rest as
// subsequent `{ items, path: [...list, firstIndex] }` payloads; merged, it equals the answer in one
// piece that any other client gets. Over mock subgraphs (one held back where order matters: order
// of arrival, not timings), raw multipart and Apollo Client 4.
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler, GraphQL17Alpha9Handler } from '@apollo/client/incremental';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import { createMetrics } from '../../common/metrics.ts';
import { ErrorCode } from '../../common/errors.ts';
import { createShopClient } from '../../sdk/client.ts';
import { multipartBoundary, multipartParts } from '../../sdk/multipart.ts';
import { testTiming } from '../../test/support/test-timing.ts';
import { FIXTURE_SUBGRAPHS, composeFixture } from '../../test/support/federation-fixture.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';
import { loadGatewayConfig } from '../config.ts';
import { createGatewayServer, type GatewayServer } from '../server.ts';
import { graphqlRuntime } from '../graphql-runtime.ts';
import { incrementalFormatOf } from './incremental-format.ts';
import { streamRuleViolations, withStreamDirective } from './stream.ts';

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

type Json = Record<string, unknown>;
interface Payload {
  data?: Json | null;
  items?: unknown[];
  path?: (string | number)[];
  label?: string;
  errors?: { message: string; path?: (string | number)[]; extensions?: Json }[];
}
interface Part extends Payload {
  hasNext?: boolean;
  incremental?: (Payload & { id?: string })[];
  pending?: { id: string; path: (string | number)[]; label?: string }[];
  completed?: { id: string; errors?: unknown[] }[];
}

const DEFER_ACCEPT = 'multipart/mixed;deferSpec=20220824, application/json';

async function post(query: string, accept: string, variables: Json = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify({ query, variables }) });
}

async function* rawParts(query: string, variables: Json = {}, accept = DEFER_ACCEPT): AsyncGenerator<Part> {
  const response = await post(query, accept, variables);
  expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
  expect(response.headers.get('content-type')).toContain(accept.split(',')[0]!.split(';')[1]!);
  for await (const part of multipartParts<never>(response.body as unknown as AsyncIterable<Uint8Array>, multipartBoundary(response.headers.get('content-type')!))) {
    yield part as unknown as Part;
  }
}

async function whole(query: string, variables: Json = {}): Promise<Json> {
  const response = await post(query, 'application/json', variables);
  const body = (await response.json()) as { data: Json; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data;
}

/** Applies the parts as a deferSpec=20220824 client does: items at path[..-1] from index path[-1], data at path. */
function merged(parts: readonly Part[]): Json {
  const data = structuredClone(parts[0]!.data ?? {}) as Json;
  for (const part of parts.slice(1)) {
    for (const { items, data: fields, path = [] } of part.incremental ?? []) {
      if (items) {
        const list = path.slice(0, -1).reduce<unknown>((at, key) => (at as Json)[key as string], data) as unknown[];
        items.forEach((item, offset) => (list[(path.at(-1) as number) + offset] = item));
      } else if (fields) {
        Object.assign(path.reduce<unknown>((at, key) => (at as Json)[key as string], data) as Json, fields);
      }
    }
  }
  return data;
}

const STREAMED = 'query Streamed { topProducts(first: 3) @stream(initialCount: 1, label: "rows") { upc name inStock reviews { body } } }';
const WHOLE = 'query Whole { topProducts(first: 3) { upc name inStock reviews { body } } }';

describe('@stream', () => {
  it('sends the first initialCount items at once, then the rest as items at the index of the first; merged, the same answer as in one piece', async () => {
    const parts: Part[] = [];
    for await (const part of rawParts(STREAMED)) parts.push(part);
    expect(parts.map((part) => part.hasNext)).toEqual([true, false]);
    const [initial, rest] = parts;
    expect(initial!.errors).toBeUndefined();
    expect(initial!.data!['topProducts']).toHaveLength(1);
    expect(rest!.incremental).toHaveLength(1);
    const [items] = rest!.incremental!;
    expect(items!.path).toEqual(['topProducts', 1]);
    expect(items!.label).toBe('rows');
    expect(items!.items).toHaveLength(2);
    expect(items!).not.toHaveProperty('data');
    expect(merged(parts)).toEqual(await whole(WHOLE));
  });

  it("the SDK's client.deferred yields the list growing: the first rows, then all of them", async () => {
    const snapshots: Json[] = [];
    for await (const part of createShopClient({ url }).deferred(graphqlRuntime.parse(STREAMED) as TypedDocumentNode<Json, Record<string, never>>, {})) {
      expect(part.errors).toBeUndefined();
      snapshots.push(part.data!);
    }
    expect(snapshots.map((data) => (data['topProducts'] as unknown[]).length)).toEqual([1, 3]);
    expect(snapshots.at(-1)).toEqual(await whole(WHOLE));
  });

  it("fetches a streamed list's entities in one fetch per subgraph, never per item", async () => {
    const before = { inventory: mocks.received.get('inventory')?.length ?? 0, orders: mocks.received.get('orders')?.length ?? 0 };
    for await (const _ of rawParts(STREAMED)) void _;
    expect((mocks.received.get('inventory')?.length ?? 0) - before.inventory).toBe(1);
    expect((mocks.received.get('orders')?.length ?? 0) - before.orders).toBe(1);
  });

  it('streams a nested list: one items payload per parent, after the parent; outer streamed items carry their inner list cut', async () => {
    const query = 'query Nested { topProducts(first: 3) @stream(initialCount: 2) { upc reviews @stream(initialCount: 1) { body } } }';
    const parts: Part[] = [];
    for await (const part of rawParts(query)) parts.push(part);
    expect(parts.map((part) => part.hasNext)).toEqual([true, true, false]);
    const initial = parts[0]!.data!['topProducts'] as { reviews: unknown[] }[];
    expect(initial).toHaveLength(2);
    for (const product of initial) expect(product.reviews).toHaveLength(1);
    const [outer, inner] = [parts[1]!.incremental!, parts[2]!.incremental!];
    expect(outer.map(({ path, items }) => ({ path, count: items?.length }))).toEqual([{ path: ['topProducts', 2], count: 1 }]);
    expect((outer[0]!.items![0] as { reviews: unknown[] }).reviews).toHaveLength(1);
    expect(inner.map(({ path, items }) => ({ path, count: items?.length }))).toEqual([0, 1, 2].map((index) => ({ path: ['topProducts', index, 'reviews', 1], count: 1 })));
    expect(merged(parts)).toEqual(await whole('query { topProducts(first: 3) { upc reviews { body } } }'));
  });

  it("the streamed items come before a deferred fragment's held subgraph answers", async () => {
    const query = 'query Both { topProducts(first: 3) @stream(initialCount: 1) { upc name ... @defer(label: "slow") { reviews { body } } } }';
    let release!: (by: string) => void;
    let releasedBy = '';
    const until = new Promise<void>((resolve) => {
      release = (by) => {
        releasedBy ||= by;
        resolve();
      };
    });
    const deadline = setTimeout(() => release('the deadline'), testTiming.conditionMs);
    mocks.faults.hold = { subgraph: 'orders', until };
    const parts: Part[] = [];
    try {
      for await (const part of rawParts(query)) {
        parts.push(part);
        if (part.incremental?.some((payload) => payload.items)) release('the streamed items');
      }
    } finally {
      clearTimeout(deadline);
      mocks.faults.hold = undefined;
    }
    expect(releasedBy).toBe('the streamed items');
    expect(parts.map((part) => part.hasNext)).toEqual([true, true, false]);
    expect(parts[1]!.incremental!.map(({ path }) => path)).toEqual([['topProducts', 1]]);
    expect(parts[2]!.incremental!.map(({ path, label }) => ({ path, label }))).toEqual([0, 1, 2].map((index) => ({ path: ['topProducts', index], label: 'slow' })));
    const shape = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(shape)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]))
          : typeof value;
    expect(shape(merged(parts))).toEqual(shape(await whole('query { topProducts(first: 3) { upc name reviews { body } } }')));
  });

  it("errors of a streamed item's fetch come with its items payload, with their paths", async () => {
    mocks.faults.field = { coordinate: 'Product.inStock', kind: 'error' };
    try {
      const parts: Part[] = [];
      for await (const part of rawParts(STREAMED)) parts.push(part);
      expect(parts[0]!.errors?.map((error) => error.path)).toEqual([['topProducts', 0, 'inStock']]);
      expect(parts[1]!.incremental![0]!.errors?.map((error) => error.path)).toEqual([
        ['topProducts', 1, 'inStock'],
        ['topProducts', 2, 'inStock'],
      ]);
    } finally {
      mocks.faults.field = undefined;
    }
  });

  it('answers in one piece with `if: false` (literal or variable), with initialCount beyond the list, and to a client that does not accept multipart', async () => {
    const expected = await whole(WHOLE);
    const off = await post('query { topProducts(first: 3) @stream(initialCount: 1, if: false) { upc name inStock reviews { body } } }', DEFER_ACCEPT);
    expect(off.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    expect(((await off.json()) as { data: Json }).data).toEqual(expected);
    const byVariable = await post('query ($on: Boolean!) { topProducts(first: 3) @stream(if: $on) { upc name inStock reviews { body } } }', DEFER_ACCEPT, { on: false });
    expect(byVariable.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    expect(((await byVariable.json()) as { data: Json }).data).toEqual(expected);
    const beyond = await post('query { topProducts(first: 3) @stream(initialCount: 10) { upc name inStock reviews { body } } }', DEFER_ACCEPT);
    expect(((await beyond.json()) as { data: Json }).data).toEqual(expected);
    const plain = await post(STREAMED, 'application/json');
    expect(plain.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    expect(((await plain.json()) as { data: Json }).data).toEqual(expected);
  });

  it('refuses @stream on a field that is not a list', async () => {
    const response = await post('query { topProducts(first: 1) { name @stream } }', DEFER_ACCEPT);
    const body = (await response.json()) as { errors: { message: string; extensions: Json }[] };
    expect(body.errors.map((error) => error.extensions['code'])).toEqual([ErrorCode.graphqlValidationFailed]);
    expect(body.errors[0]!.message).toMatch(/Product\.name/);
  });

  it('refuses @stream on a root mutation field and in a subscription (unless if: false), with INCREMENTAL_DELIVERY_NOT_ALLOWED', () => {
    const schema = withStreamDirective(
      graphqlRuntime.buildSchema('type Query { a: [Int] } type Mutation { add: [Int] nested: Box } type Box { list: [Int] } type Subscription { ticks: [Int] }'),
    );
    const check = (text: string) => {
      const document = graphqlRuntime.parse(text);
      expect(graphqlRuntime.validate(schema, document)).toEqual([]);
      const operation = document.definitions[0] as Parameters<typeof streamRuleViolations>[1];
      return streamRuleViolations(schema, operation, {})?.map((error) => error.extensions['code']);
    };
    expect(check('mutation { add @stream }')).toEqual([ErrorCode.incrementalDeliveryNotAllowed]);
    expect(check('mutation { nested { list @stream } }')).toBeUndefined();
    expect(check('subscription { ticks @stream }')).toEqual([ErrorCode.incrementalDeliveryNotAllowed]);
    expect(check('subscription { ticks @stream(if: false) }')).toBeUndefined();
    expect(check('query { a @stream }')).toBeUndefined();
  });

  it('Apollo Client 4 (Defer20220824Handler) shows the first rows, then the whole list', async () => {
    interface Rows {
      topProducts: { upc: string; name: string | null; inStock: boolean | null; reviews: { body: string }[] }[];
    }
    const client = new ApolloClient({ link: new HttpLink({ uri: url }), cache: new InMemoryCache(), incrementalHandler: new Defer20220824Handler() });
    const snapshots: Rows[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const subscription = client.watchQuery({ query: graphqlRuntime.parse(STREAMED) as TypedDocumentNode<Rows, Record<string, never>>, fetchPolicy: 'network-only' }).subscribe({
          next: (result) => {
            if (result.error) reject(result.error);
            if (!result.data || !('topProducts' in result.data)) return;
            snapshots.push(result.data as Rows);
            if ((result.data as Rows).topProducts.length === 3) {
              subscription.unsubscribe();
              resolve();
            }
          },
          error: reject,
        });
      });
    } finally {
      client.stop();
    }
    expect(snapshots[0]!.topProducts).toHaveLength(1);
    const expected = (await whole(WHOLE)) as unknown as Rows;
    expect(snapshots.at(-1)!.topProducts.map(({ upc, name, inStock, reviews }) => ({ upc, name, inStock, reviews: reviews.map(({ body }) => ({ body })) }))).toEqual(
      expected.topProducts,
    );
  });
});

const V02_ACCEPT = 'multipart/mixed;incrementalSpec=v0.2, application/json';

/** Applies incrementalSpec=v0.2 parts: each id's place from `pending`, items appended to its list, data merged at its path. */
function mergedV02(parts: readonly Part[]): Json {
  const data = structuredClone(parts[0]!.data ?? {}) as Json;
  const places = new Map<string, (string | number)[]>();
  const at = (path: (string | number)[]) => path.reduce<unknown>((value, key) => (value as Json)[key as string], data);
  for (const part of parts) {
    for (const { id, path } of part.pending ?? []) places.set(id, path);
    for (const { id, items, data: fields } of part.incremental ?? []) {
      const path = places.get(id!)!;
      if (items) (at(path) as unknown[]).push(...items);
      else Object.assign(at(path) as Json, fields);
    }
  }
  return data;
}

describe('incrementalSpec=v0.2 (graphql-spec PR 1110: pending / incremental with id / completed)', () => {
  it('is chosen from the Accept header: the named format with the highest q, the first listed on a tie', () => {
    expect(incrementalFormatOf('multipart/mixed;deferSpec=20220824, application/json')).toBe('deferSpec=20220824');
    expect(incrementalFormatOf('multipart/mixed; incrementalSpec=v0.2, application/json')).toBe('incrementalSpec=v0.2');
    expect(incrementalFormatOf('multipart/mixed;incrementalSpec=v0.2, multipart/mixed;deferSpec=20220824')).toBe('incrementalSpec=v0.2');
    expect(incrementalFormatOf('multipart/mixed;incrementalSpec=v0.2;q=0.5, multipart/mixed;deferSpec=20220824')).toBe('deferSpec=20220824');
    expect(incrementalFormatOf('multipart/mixed, application/json')).toBeUndefined();
    expect(incrementalFormatOf('application/json')).toBeUndefined();
    expect(incrementalFormatOf(undefined)).toBeUndefined();
  });

  it('@stream: the list announced as pending in the initial payload, its items under its id, then completed', async () => {
    const parts: Part[] = [];
    for await (const part of rawParts(STREAMED, {}, V02_ACCEPT)) parts.push(part);
    expect(parts.map((part) => part.hasNext)).toEqual([true, false]);
    expect(parts[0]!.pending).toEqual([{ id: '0', path: ['topProducts'], label: 'rows' }]);
    expect(parts[0]!.data!['topProducts']).toHaveLength(1);
    expect(parts[1]!.incremental!.map(({ id, items }) => ({ id, count: items?.length }))).toEqual([{ id: '0', count: 2 }]);
    expect(parts[1]!.incremental![0]).not.toHaveProperty('path');
    expect(parts[1]!.completed).toEqual([{ id: '0' }]);
    expect(mergedV02(parts)).toEqual(await whole(WHOLE));
  });

  it('a streamed list inside streamed items is announced with those items', async () => {
    const query = 'query Nested { topProducts(first: 3) @stream(initialCount: 2) { upc reviews @stream(initialCount: 1) { body } } }';
    const parts: Part[] = [];
    for await (const part of rawParts(query, {}, V02_ACCEPT)) parts.push(part);
    expect(parts[0]!.pending!.map(({ path }) => path)).toEqual([['topProducts'], ['topProducts', 0, 'reviews'], ['topProducts', 1, 'reviews']]);
    expect(parts[1]!.pending!.map(({ path }) => path)).toEqual([['topProducts', 2, 'reviews']]);
    const ids = new Set(parts.flatMap((part) => (part.pending ?? []).map(({ id }) => id)));
    expect(new Set(parts.flatMap((part) => (part.completed ?? []).map(({ id }) => id)))).toEqual(ids);
    expect(mergedV02(parts)).toEqual(await whole('query { topProducts(first: 3) { upc reviews { body } } }'));
  });

  it('@defer: each fragment place pending in the initial payload, its data under its id and completed, the fast fragment before the held subgraph answers', async () => {
    const query = 'query TwoSpeeds { topProducts(first: 3) { upc name ... @defer(label: "fast") { inStock } ... @defer(label: "slow") { reviews { body } } } }';
    let release!: () => void;
    let released = false;
    const until = new Promise<void>((resolve) => (release = resolve));
    const deadline = setTimeout(release, testTiming.conditionMs);
    mocks.faults.hold = { subgraph: 'orders', until };
    const parts: Part[] = [];
    try {
      for await (const part of rawParts(query, {}, V02_ACCEPT)) {
        parts.push(part);
        const fast = new Set(parts[0]!.pending!.filter(({ label }) => label === 'fast').map(({ id }) => id));
        if (!released && part.completed?.some(({ id }) => fast.has(id))) {
          released = true;
          release();
        }
      }
    } finally {
      clearTimeout(deadline);
      mocks.faults.hold = undefined;
    }
    expect(released).toBe(true);
    expect(parts.map((part) => part.hasNext)).toEqual([true, true, false]);
    const pending = parts[0]!.pending!;
    expect(pending.map(({ path, label }) => ({ path, label })).sort((a, b) => a.label!.localeCompare(b.label!))).toEqual(
      (['fast', 'slow'] as const).flatMap((label) => [0, 1, 2].map((at) => ({ path: ['topProducts', at], label }))),
    );
    for (const [index, label] of [
      [1, 'fast'],
      [2, 'slow'],
    ] as const) {
      const part = parts[index]!;
      const ids = pending.filter((place) => place.label === label).map(({ id }) => id);
      expect(part.pending).toBeUndefined();
      expect(part.incremental!.map(({ id }) => id).sort()).toEqual([...ids].sort());
      expect(part.completed!.map(({ id }) => id).sort()).toEqual([...ids].sort());
    }
    expect(mergedV02(parts)).toEqual(await whole('query { topProducts(first: 3) { upc name inStock reviews { body } } }'));
  });

  it('a fragment deferred inside a deferred one is announced with the part that brings its parent', async () => {
    const query = 'query Nested { topProducts(first: 2) { upc ... @defer(label: "outer") { name reviews { rating ... @defer(label: "inner") { body } } } } }';
    const parts: Part[] = [];
    for await (const part of rawParts(query, {}, V02_ACCEPT)) parts.push(part);
    expect(parts.map((part) => part.hasNext)).toEqual([true, true, false]);
    expect(parts[0]!.pending!.map(({ path, label }) => ({ path, label }))).toEqual([0, 1].map((at) => ({ path: ['topProducts', at], label: 'outer' })));
    expect(parts[1]!.pending!.map(({ path, label }) => ({ path, label }))).toEqual(
      [0, 1].flatMap((at) => [0, 1].map((review) => ({ path: ['topProducts', at, 'reviews', review], label: 'inner' }))),
    );
    const announced = parts.flatMap((part) => (part.pending ?? []).map(({ id }) => id)).sort();
    expect(parts.flatMap((part) => (part.completed ?? []).map(({ id }) => id)).sort()).toEqual(announced);
  });

  it('Apollo Client 4 (GraphQL17Alpha9Handler) with @stream and @defer ends with the whole answer', async () => {
    interface Rows {
      topProducts: { upc: string; name: string | null; inStock?: boolean | null }[];
    }
    const query = 'query Rows { topProducts(first: 3) @stream(initialCount: 1) { upc name ... @defer(label: "stock") { inStock } } }';
    const client = new ApolloClient({ link: new HttpLink({ uri: url }), cache: new InMemoryCache(), incrementalHandler: new GraphQL17Alpha9Handler() });
    const snapshots: Rows[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const subscription = client.watchQuery({ query: graphqlRuntime.parse(query) as TypedDocumentNode<Rows, Record<string, never>>, fetchPolicy: 'network-only' }).subscribe({
          next: (result) => {
            if (result.error) reject(result.error);
            if (!result.data || !('topProducts' in result.data)) return;
            const data = result.data as Rows;
            snapshots.push(data);
            if (data.topProducts.length === 3 && data.topProducts.every((product) => product.inStock !== undefined)) {
              subscription.unsubscribe();
              resolve();
            }
          },
          error: reject,
        });
      });
    } finally {
      client.stop();
    }
    expect(snapshots[0]!.topProducts).toHaveLength(1);
    const expected = (await whole('query { topProducts(first: 3) { upc name inStock } }')) as unknown as Rows;
    expect(snapshots.at(-1)!.topProducts.map(({ upc, name, inStock }) => ({ upc, name, inStock }))).toEqual(expected.topProducts);
  });
});
