// Demand control from the outside: a gateway over mock subgraphs whose schemas declare @cost and
// @listSize, asked over HTTP. An operation over MAX_QUERY_COST is refused in every shape it can be
// written in, before any subgraph fetch; `measure` runs it; the actual cost is what budgets charge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayOverMocks, type GatewayOverMocks } from '../../test/support/gateway-over-mocks.ts';
import { readCounter } from '../../test/support/metrics.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';
import { TEST_REDIS_URL, deleteRedisKeys } from '../../test/support/test-redis.ts';
import { waitFor } from '../../test/support/wait-for.ts';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.10", import: ["@key", "@cost", "@listSize"])';
const SUBGRAPHS = {
  catalog: `${LINK}
    type Query {
      products(first: Int, after: String): ProductConnection! @listSize(slicingArguments: ["first"], sizedFields: ["edges"])
      search(text: String!): [Product!]! @cost(weight: 20) @listSize(assumedSize: 10)
    }
    type ProductConnection { edges: [ProductEdge!]! }
    type ProductEdge { cursor: String! node: Product! }
    type Product @key(fields: "id") { id: ID! name: String! }`,
  inventory: `${LINK}
    type Product @key(fields: "id") { id: ID! reviews: [Review!]! @listSize(assumedSize: 5) }
    type Review { stars: Int! }`,
};

// products(first: n) { edges { node { id reviews { stars } } } }: the connection 1, then per edge
// (the edge 1 + the product 1 + 5 reviews × 1): 1 + 7n.
const estimateOf = (first: number) => 1 + 7 * first;
const MAX = estimateOf(40); // 281: first 40 passes, first 41 (288) is refused

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: {
    data?: { products?: { edges: { node: { reviews: unknown[] } }[] } } | null;
    errors?: { message: string; extensions: Record<string, unknown> }[];
    extensions?: { cost?: Record<string, unknown> };
  };
}
type Sender = (request: { query: string; variables?: Record<string, unknown> }, headers?: Record<string, string>) => Promise<Answer>;

const sender =
  (url: string): Sender =>
  async (request, headers = {}) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(request) });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
  };
const getSender =
  (url: string): Sender =>
  async (request) => {
    const search = new URLSearchParams({ query: request.query, ...(request.variables ? { variables: JSON.stringify(request.variables) } : {}) });
    const response = await fetch(`${url}?${search}`, { headers: { 'apollo-require-preflight': 'true' } });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
  };

/** The actual cost of a products answer, from what it returned: the same rules at the sizes returned. */
const actualOf = (body: Answer['body']) => 1 + (body.data?.products?.edges ?? []).reduce((sum, edge) => sum + 2 + edge.node.reviews.length, 0);

const fetches = (mocks: MockSubgraphs) => [...mocks.received.values()].reduce((sum, bodies) => sum + bodies.length, 0);

/** The same over-budget request in each shape a client can write it (the gateway takes no batched HTTP requests). */
const shapesOf = (first: number) => [
  { name: 'inline', query: `{ products(first: ${first}) { edges { node { id reviews { stars } } } } }` },
  {
    name: 'named fragments',
    query: `query Q { products(first: ${first}) { ...C } } fragment C on ProductConnection { edges { node { ...P } } } fragment P on Product { id reviews { stars } }`,
  },
  { name: 'inline fragments', query: `{ products(first: ${first}) { ... on ProductConnection { edges { ... { node { id ... on Product { reviews { stars } } } } } } } }` },
  { name: 'an alias', query: `{ shop: products(first: ${first}) { all: edges { node { id reviews { stars } } } } }` },
  { name: 'a variable', query: 'query ($n: Int!) { products(first: $n) { edges { node { id reviews { stars } } } } }', variables: { n: first } },
  { name: 'a variable with a default', query: `query ($n: Int = ${first}) { products(first: $n) { edges { node { id reviews { stars } } } } }` },
];

let mocks: MockSubgraphs;
beforeAll(async () => {
  mocks = await startMockSubgraphs(SUBGRAPHS);
});
afterAll(() => mocks?.stop());

describe('enforce (the default)', () => {
  let gateway: GatewayOverMocks;
  beforeAll(async () => {
    gateway = await startGatewayOverMocks(mocks, SUBGRAPHS, { MAX_QUERY_COST: String(MAX), COST_EXTENSIONS: 'true' });
  });
  afterAll(() => gateway?.stop());

  for (const transport of ['POST', 'GET'] as const) {
    it(`refuses an operation over the limit in every shape, before any subgraph fetch, and runs it under the limit (${transport})`, async () => {
      const send = transport === 'POST' ? sender(gateway.url) : getSender(gateway.url);
      for (const shape of shapesOf(41)) {
        const before = fetches(mocks);
        const answer = await send(shape);
        expect(answer.status, shape.name).toBe(400);
        expect(answer.body.errors?.[0]?.extensions, shape.name).toMatchObject({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', estimated: estimateOf(41), max: MAX });
        expect(answer.body.data ?? undefined, shape.name).toBeUndefined();
        expect(fetches(mocks), `${shape.name}: a subgraph was asked`).toBe(before);
      }
      for (const shape of shapesOf(40)) {
        const before = fetches(mocks);
        const answer = await send(shape);
        expect(answer.body.errors, shape.name).toBeUndefined();
        expect(answer.status, shape.name).toBe(200);
        expect(answer.body.extensions?.cost, shape.name).toMatchObject({ estimated: estimateOf(40), max: MAX, mode: 'enforce' });
        expect(fetches(mocks), shape.name).toBeGreaterThan(before);
      }
    });
  }

  it('refuses a list field whose required slicing argument is missing, before any fetch', async () => {
    const before = fetches(mocks);
    const answer = await sender(gateway.url)({ query: '{ products { edges { node { id } } } }' });
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: 'COST_SLICING_ARGUMENT_REQUIRED', coordinate: 'Query.products' });
    expect(fetches(mocks)).toBe(before);
  });

  it('answers extensions.cost and the cost headers: estimated, and actual from the list sizes returned', async () => {
    const answer = await sender(gateway.url)({ query: '{ products(first: 3) { edges { node { id reviews { stars } } } } }' });
    expect(answer.body.errors).toBeUndefined();
    const actual = actualOf(answer.body);
    expect(actual).toBeGreaterThan(1); // the mocks returned edges
    expect(answer.body.extensions?.cost).toEqual({ estimated: estimateOf(3), actual, max: MAX, mode: 'enforce' });
    expect(answer.headers.get('cost-estimated')).toBe(String(estimateOf(3)));
    expect(answer.headers.get('cost-actual')).toBe(String(actual));
  });

  it('says nothing of an operation that costs nothing', async () => {
    const answer = await sender(gateway.url)({ query: '{ __typename }' });
    expect(answer.body).toEqual({ data: { __typename: 'Query' } });
    expect(answer.headers.get('cost-estimated')).toBeNull();
  });

  it('records both as histograms by operation and client name', async () => {
    const base = gateway.url.replace(/\/graphql$/, '');
    const series = 'gateway_operation_cost_actual_count';
    const label = 'operation="Cheap"';
    const before = await readCounter(base, series, label);
    await sender(gateway.url)({ query: 'query Cheap { search(text: "x") { id } }' }, { 'apollographql-client-name': 'tests' });
    expect(await readCounter(base, series, label)).toBe(before + 1);
    expect(await readCounter(base, 'gateway_operation_cost_estimated_sum', 'client="tests"')).toBe(200);
  });
});

describe('measure', () => {
  let gateway: GatewayOverMocks;
  beforeAll(async () => {
    gateway = await startGatewayOverMocks(mocks, SUBGRAPHS, { MAX_QUERY_COST: String(MAX), MAX_QUERY_COST_MODE: 'measure', COST_EXTENSIONS: 'true' });
  });
  afterAll(() => gateway?.stop());

  it('runs an operation over the limit, and counts it', async () => {
    const base = gateway.url.replace(/\/graphql$/, '');
    const before = fetches(mocks);
    const counted = await readCounter(base, 'gateway_operation_cost_over_limit_total', 'mode="measure"');
    const answer = await sender(gateway.url)({ query: '{ products(first: 41) { edges { node { id reviews { stars } } } } }' });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.extensions?.cost).toMatchObject({ estimated: estimateOf(41), actual: actualOf(answer.body), max: MAX, mode: 'measure' });
    expect(fetches(mocks)).toBeGreaterThan(before);
    expect(await readCounter(base, 'gateway_operation_cost_over_limit_total', 'mode="measure"')).toBe(counted + 1);
  });
});

describe('COST_EXTENSIONS unset outside development', () => {
  let gateway: GatewayOverMocks;
  beforeAll(async () => {
    gateway = await startGatewayOverMocks(mocks, SUBGRAPHS);
  });
  afterAll(() => gateway?.stop());

  it('says nothing of the cost', async () => {
    const answer = await sender(gateway.url)({ query: '{ products(first: 3) { edges { node { id } } } }' });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.extensions?.cost).toBeUndefined();
    expect(answer.headers.get('cost-estimated')).toBeNull();
    expect(answer.headers.get('cost-actual')).toBeNull();
  });
});

describe('cost budgets', () => {
  const BUDGET = estimateOf(3) - 1; // 21: less than one estimate, more than one actual answer
  let gateway: GatewayOverMocks;
  beforeAll(async () => {
    gateway = await startGatewayOverMocks(mocks, SUBGRAPHS, {
      COST_EXTENSIONS: 'true',
      COST_BUDGET_ENABLED: 'true',
      COST_BUDGET_ANONYMOUS_POINTS: String(BUDGET),
      COST_BUDGET_WINDOW_SECONDS: '600',
    });
  });
  afterAll(() => gateway?.stop());

  it('are charged the actual cost after each answer, and refuse the next request once spent: 429, Retry-After, RateLimit-* in cost units', async () => {
    const send = sender(gateway.url);
    const query = '{ products(first: 3) { edges { node { id reviews { stars } } } } }';
    let spent = 0;
    // Admitted while anything is left: each is charged what it returned, not its estimate.
    while (spent < BUDGET) {
      const answer = await send({ query });
      expect(answer.status).toBe(200);
      const actual = actualOf(answer.body);
      expect(actual).toBeLessThan(estimateOf(3));
      spent += actual;
      expect(answer.body.extensions?.cost?.['budget']).toMatchObject({ limit: BUDGET, remaining: Math.max(0, BUDGET - spent) });
    }
    const before = fetches(mocks);
    const refused = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', budget: 'cost' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('ratelimit-limit')).toBe(String(BUDGET));
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(fetches(mocks), 'a refused request fetched').toBe(before);
  });
});

describe('cost budgets in Redis', () => {
  const prefix = `cost-test-${process.pid}-${Date.now()}`;
  const BUDGET = 5; // less than one answer's actual cost
  const gateways: GatewayOverMocks[] = [];
  beforeAll(async () => {
    const env = {
      REDIS_URL: TEST_REDIS_URL,
      RATE_LIMIT_KEY_PREFIX: prefix,
      ENTITY_CACHE_ENABLED: 'false',
      COST_BUDGET_ENABLED: 'true',
      COST_BUDGET_ANONYMOUS_POINTS: String(BUDGET),
      COST_BUDGET_WINDOW_SECONDS: '600',
    };
    gateways.push(await startGatewayOverMocks(mocks, SUBGRAPHS, env), await startGatewayOverMocks(mocks, SUBGRAPHS, env));
    // Until its Redis answers, a replica limits on its own (the in-memory insurance): wait for both to share.
    for (const gateway of gateways) {
      await waitFor(
        async () => ((await (await fetch(new URL('/health/ready', gateway.url))).json()) as { checks: Record<string, { status: string }> }).checks['redis-cost-budget']?.status,
        (status) => status === 'ok',
        { what: 'the cost budget store to reach Redis' },
      );
    }
  });
  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await deleteRedisKeys(prefix);
  });

  it('are shared by the replicas: what one charged, the other refuses', async () => {
    const [first, second] = gateways as [GatewayOverMocks, GatewayOverMocks];
    const query = '{ products(first: 3) { edges { node { id reviews { stars } } } } }';
    const answer = await sender(first.url)({ query });
    expect(answer.status).toBe(200);
    expect(actualOf(answer.body)).toBeGreaterThanOrEqual(BUDGET);
    const refused = await sender(second.url)({ query });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-limit')).toBe(String(BUDGET));
  });
});
