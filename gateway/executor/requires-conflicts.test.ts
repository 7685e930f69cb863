// Several @requires of one subgraph selecting the same field with different arguments (the
// federation audit's requires-with-argument-conflict): `shippingEstimate` needs
// `price(currency: "USD")`, `shippingEstimateEUR` `price(currency: "EUR")`. @apollo/query-planner
// alone fetches one price and computes both from it. Over mock subgraphs whose required fields
// compute from the representation they are sent, as a real subgraph would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBoundary, multipartParts } from '../../sdk/multipart.ts';
import { startGatewayOverMocks, type GatewayOverMocks } from '../../test/support/gateway-over-mocks.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';

const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])`;
const SUBGRAPHS = {
  catalog: `${LINK}
    type Query { products: [Product] }
    type Product @key(fields: "upc") { upc: String! name: String price(currency: String!): Int weight: Int category: Category }
    type Category { averagePrice(currency: String!): Int }`,
  inventory: `${LINK}
    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      price(currency: String!): Int @external
      category: Category @external
      shippingEstimate: Int @requires(fields: "price(currency: \\"USD\\") weight")
      shippingEstimateEUR: Int @requires(fields: "price(currency: \\"EUR\\") weight")
      shippingEstimateGBP: Int @requires(fields: "price(currency: \\"GBP\\") weight")
      categoryPriceUSD: Int @requires(fields: "category { averagePrice(currency: \\"USD\\") }")
      categoryPriceEUR: Int @requires(fields: "category { averagePrice(currency: \\"EUR\\") }")
    }
    type Category @external { averagePrice(currency: String!): Int }`,
};

// What inventory computes from the representation it gets (the audit's formula).
const estimate = (source: Record<string, unknown>) => (source['price'] as number) * (source['weight'] as number) * 10;
const categoryPrice = (source: Record<string, unknown>) => (source['category'] as { averagePrice: number }).averagePrice;
const RESOLVERS = {
  // Per product (from the mock's seed at the root, from the key in an entity fetch) and currency;
  // GBP's is 0, a value a rename must carry too.
  'Product.price': (source: Record<string, unknown>, args: Record<string, unknown>) => {
    const seed = typeof source['__mockSeed'] === 'number' ? source['__mockSeed'] : [...String(source['upc'])].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) % 10007, 7);
    return args['currency'] === 'GBP' ? 0 : ((seed % 100) + 1) * (args['currency'] === 'EUR' ? 2 : 1);
  },
  'Product.shippingEstimate': estimate,
  'Product.shippingEstimateEUR': estimate,
  'Product.shippingEstimateGBP': estimate,
  'Product.categoryPriceUSD': categoryPrice,
  'Product.categoryPriceEUR': categoryPrice,
};

interface Product {
  upc: string;
  weight: number;
  usd: number;
  eur: number;
  gbp: number;
  category: { usd: number; eur: number };
}

let mocks: MockSubgraphs;
let gateway: GatewayOverMocks;
/** What catalog answers for each product: the values each @requires should be computed from. */
let truth: Map<string, Product>;

async function post(query: string, variables?: Record<string, unknown>): Promise<{ data?: { products: Record<string, unknown>[] }; errors?: unknown[] }> {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as { data?: { products: Record<string, unknown>[] }; errors?: unknown[] };
}

/**
 * The fetches each subgraph gets for one operation; an entity fetch as its representations (fetches
 * at the same moment may share one HTTP request: GATEWAY_BATCH_FETCHES, each with its own variables).
 */
async function fetchesFor(query: string, variables?: Record<string, unknown>) {
  for (const received of mocks.received.values()) received.length = 0;
  const result = await post(query, variables);
  const entityFetches = (subgraph: string) =>
    mocks.received.get(subgraph)!.flatMap((body) => Object.values((JSON.parse(body) as { variables?: Record<string, unknown> }).variables ?? {}).filter(Array.isArray));
  return { result, catalog: mocks.received.get('catalog')!.length, inventory: entityFetches('inventory') };
}

beforeAll(async () => {
  mocks = await startMockSubgraphs(SUBGRAPHS, RESOLVERS);
  gateway = await startGatewayOverMocks(mocks, SUBGRAPHS);
  const { data, errors } = await post(`{ products { upc weight usd: price(currency: "USD") eur: price(currency: "EUR") gbp: price(currency: "GBP")
    category { usd: averagePrice(currency: "USD") eur: averagePrice(currency: "EUR") } } }`);
  expect(errors).toBeUndefined();
  truth = new Map(data!.products.map((product) => [product['upc'] as string, product as unknown as Product]));
  // The case means something only where the currencies' prices differ.
  expect(data!.products.length).toBeGreaterThan(1);
  for (const product of truth.values()) {
    expect(new Set([product.usd, product.eur, product.gbp]).size).toBe(3);
    expect(product.category.usd).not.toBe(product.category.eur);
  }
});
afterAll(async () => {
  await gateway?.stop();
  await mocks?.stop();
});

describe('@requires of one field with different arguments', () => {
  it("the audit's operation: each estimate from its own currency's price, twice (the second from the plan cache)", async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const { result, catalog, inventory } = await fetchesFor('{ products { upc name shippingEstimate shippingEstimateEUR categoryPriceUSD } }');
      expect(result.errors).toBeUndefined();
      expect(result.data!.products).toHaveLength(truth.size);
      for (const product of result.data!.products) {
        const expected = truth.get(product['upc'] as string)!;
        expect(Object.keys(product)).toEqual(['upc', 'name', 'shippingEstimate', 'shippingEstimateEUR', 'categoryPriceUSD']);
        expect(product['shippingEstimate']).toBe(expected.usd * expected.weight * 10);
        expect(product['shippingEstimateEUR']).toBe(expected.eur * expected.weight * 10);
        expect(product['categoryPriceUSD']).toBe(expected.category.usd);
      }
      // Batched: one fetch per subgraph per distinct requirement, each with every product.
      expect(catalog).toBe(1);
      expect(inventory).toHaveLength(2);
      for (const representations of inventory) expect(representations).toHaveLength(truth.size);
    }
  });

  it('three arguments of one field and two of a nested one: one fetch per distinct price', async () => {
    const { result, catalog, inventory } = await fetchesFor('{ products { upc shippingEstimateGBP shippingEstimate categoryPriceEUR shippingEstimateEUR categoryPriceUSD } }');
    expect(result.errors).toBeUndefined();
    for (const product of result.data!.products) {
      const expected = truth.get(product['upc'] as string)!;
      expect(product).toEqual({
        upc: expected.upc,
        shippingEstimateGBP: expected.gbp * expected.weight * 10,
        shippingEstimate: expected.usd * expected.weight * 10,
        categoryPriceEUR: expected.category.eur,
        shippingEstimateEUR: expected.eur * expected.weight * 10,
        categoryPriceUSD: expected.category.usd,
      });
    }
    expect(catalog).toBe(1);
    expect(inventory).toHaveLength(3);
  });

  it("beside the client's own selections of the required fields (aliased, unaliased, from a variable)", async () => {
    const { result } = await fetchesFor(
      'query ($currency: String!) { products { upc eur: price(currency: "EUR") shippingEstimate price(currency: $currency) shippingEstimateEUR weight } }',
      { currency: 'GBP' },
    );
    expect(result.errors).toBeUndefined();
    for (const product of result.data!.products) {
      const expected = truth.get(product['upc'] as string)!;
      expect(product).toEqual({
        upc: expected.upc,
        eur: expected.eur,
        shippingEstimate: expected.usd * expected.weight * 10,
        price: expected.gbp,
        shippingEstimateEUR: expected.eur * expected.weight * 10,
        weight: expected.weight,
      });
      expect(Object.keys(product)).toEqual(['upc', 'eur', 'shippingEstimate', 'price', 'shippingEstimateEUR', 'weight']);
    }
  });

  it("an error in either of the split fetches carries its own field's path; the other's field is still answered", async () => {
    const correct = (expected: Product) => ({ shippingEstimate: expected.usd * expected.weight * 10, shippingEstimateEUR: expected.eur * expected.weight * 10 });
    for (const failing of ['shippingEstimate', 'shippingEstimateEUR'] as const) {
      mocks.faults.field = { coordinate: `Product.${failing}`, kind: 'error' };
      try {
        const { result } = await fetchesFor('{ products { upc shippingEstimate shippingEstimateEUR } }');
        expect(result.errors?.length).toBe(truth.size);
        for (const error of result.errors as { path?: (string | number)[] }[]) expect(error.path).toEqual(['products', expect.any(Number), failing]);
        for (const product of result.data!.products) {
          const expected = truth.get(product['upc'] as string)!;
          expect(product).toEqual({ upc: expected.upc, ...correct(expected), [failing]: null });
        }
      } finally {
        mocks.faults.field = undefined;
      }
    }
  });

  it("a subgraph error at a required field names the field, never the gateway's alias", async () => {
    mocks.faults.field = { coordinate: 'Product.price', kind: 'error' };
    try {
      const { result } = await fetchesFor('{ products { upc shippingEstimate shippingEstimateEUR } }');
      const paths = (result.errors as { path?: (string | number)[] }[]).map((error) => error.path);
      // Both prices failed for every product: each error at `price`, under its product.
      expect(paths).toHaveLength(2 * truth.size);
      for (const path of paths) expect(path).toEqual(['products', expect.any(Number), 'price']);
    } finally {
      mocks.faults.field = undefined;
    }
  });

  it('inside a deferred fragment (incremental delivery)', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;deferSpec=20220824, application/json' },
      // The prices come in the deferred part too: fetched from the key there, as the requirements are.
      body: JSON.stringify({
        query: '{ products { upc ... @defer { shippingEstimate shippingEstimateEUR usd: price(currency: "USD") eur: price(currency: "EUR") weight } } }',
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
    const deferred: Record<string, number>[] = [];
    for await (const part of multipartParts<never>(response.body as unknown as AsyncIterable<Uint8Array>, multipartBoundary(response.headers.get('content-type')!))) {
      // A deferSpec part is the JSON body itself (as defer.test.ts reads it).
      const { incremental } = part as unknown as { incremental?: { data: Record<string, number>; errors?: unknown[] }[] };
      for (const entry of incremental ?? []) {
        expect(entry.errors).toBeUndefined();
        deferred.push(entry.data);
      }
    }
    expect(deferred).toHaveLength(truth.size);
    for (const product of deferred) {
      expect(product['usd']).not.toBe(product['eur']);
      expect(product['shippingEstimate']).toBe(product['usd']! * product['weight']! * 10);
      expect(product['shippingEstimateEUR']).toBe(product['eur']! * product['weight']! * 10);
    }
  });
});
