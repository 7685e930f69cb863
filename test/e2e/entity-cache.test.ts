// The gateway's entity cache against the running supergraph (Redis store on PostgreSQL, memory
// store on the embedded defaults): a warm catalog costs at most one SQL statement a request; a
// price change or a stock change is seen by the next read once its event is handled; a PRIVATE
// value is never served to another user; an answer with errors is never kept; reads racing updates
// never leave an old price behind; the Cache-Control header is the most restrictive of the parts.
import { randomBytes } from 'node:crypto';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../../common/telemetry/tracing.ts';
import { demoProducts } from '../../prisma/seed-data.ts';
import { CategoriesDocument, CreateCategoryDocument, DeleteCategoryDocument, ProductsDocument, RenameCategoryDocument, persistedDocumentIdOf } from '../../sdk/index.ts';
import { errorCodes, graphql } from '../support/graphql-client.ts';
import { countSqlStatements, readCounter } from '../support/metrics.ts';
import { logInAsAdmin, type Session } from '../support/sessions.ts';
import { placeOrder, signUpCustomer, waitForOrderStatus } from '../support/shop-actions.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';
import { waitFor } from '../support/wait-for.ts';

let supergraph: TestSupergraph;
let gateway: string;
let base: string;
let admin: Session;
let services: Record<string, string>;
// Every service runs in this process: one in-memory exporter sees the gateway's fetch spans.
const exporter = new InMemorySpanExporter();
let tracing: Tracing;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'entity-cache-test', otlpEndpoint: undefined, sampleRatio: 1, exporter });
  supergraph = await startTestSupergraph({ env: { ENTITY_CACHE_ENABLED: 'true' } });
  gateway = supergraph.gatewayUrl;
  base = gateway.replace(/\/graphql$/, '');
  admin = await logInAsAdmin(gateway);
  services = Object.fromEntries(Object.values(supergraph.subgraphs).map((subgraph) => [subgraph.name, subgraph.url]));
});
afterAll(async () => {
  await supergraph?.stop();
  await tracing?.shutdown();
});

const BROWSE = `query Browse($first: Int!) { products(first: $first) { edges { node { id name price { amount currency } category { name } inventory { available } inStock } } } }`;
const PAGE = `query Page($id: ID!) { product(id: $id) { id name description price { amount currency } category { name } inventory { available } inStock } }`;
interface PageData {
  product: { id: string; name: string; price: { amount: number }; category: { name: string }; inventory: { available: number } | null };
}
const sqlOf = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);
const counter = (name: string, label: string) => readCounter(base, name, label);
const price = async (id: string, token?: string) => (await graphql<PageData>(gateway, PAGE, { id }, token ? { token } : {})).data?.product.price.amount;
const setPrice = async (id: string, amount: number) => {
  const response = await graphql(
    gateway,
    `mutation ($id: ID!, $amount: Int!) { updateProduct(id: $id, input: { priceAmount: $amount }) { id price { amount } } }`,
    { id, amount },
    { token: admin.token },
  );
  expect(response.errors).toBeUndefined();
};

describe('a warm cache', () => {
  it('serves catalog browsing and the product page with at most one SQL statement a request', async () => {
    const id = demoProducts[7]!.id;
    // Cold: every subgraph is asked.
    expect(sqlOf(await countSqlStatements(services, () => graphql(gateway, BROWSE, { first: 12 })))).toBeGreaterThan(1);
    await graphql(gateway, PAGE, { id });
    const hitsBefore = await counter('gateway_entity_cache_lookups_total', 'outcome="hit"');
    let browse: Awaited<ReturnType<typeof graphql>> | undefined;
    const warm = await countSqlStatements(services, async () => {
      browse = await graphql(gateway, BROWSE, { first: 12 });
      const page = await graphql(gateway, PAGE, { id });
      expect(page.errors).toBeUndefined();
    });
    expect(browse?.errors).toBeUndefined();
    expect(sqlOf(warm)).toBeLessThanOrEqual(2); // two requests, at most one statement each
    expect(await counter('gateway_entity_cache_lookups_total', 'outcome="hit"')).toBeGreaterThan(hitsBefore);
    // Anonymous and every part public: a CDN may keep it, for no longer than the shortest part.
    expect(browse?.headers.get('cache-control')).toMatch(/^max-age=([1-9]\d*), public$/);
  });

  it('marks the fetch spans it answered', async () => {
    const id = demoProducts[6]!.id;
    const traced = async () => {
      const traceId = randomBytes(16).toString('hex');
      await graphql(gateway, PAGE, { id }, { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } });
      return () => exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId && span.name === 'gateway.fetch');
    };
    const cold = await traced();
    const warm = await traced();
    const outcomes = async (spans: typeof cold) =>
      (
        await waitFor(
          async () => spans(),
          (found) => found.length >= 2,
          { what: 'the fetch spans' },
        )
      ).map((span) => span.attributes['cache.outcome']);
    expect(await outcomes(cold)).toContain('miss');
    expect(await outcomes(warm)).toEqual(expect.arrayContaining(['hit']));
    expect(await outcomes(warm)).not.toContain('miss');
  });

  it('answers a signed-in caller privately, and a mutation with no-store', async () => {
    const customer = await signUpCustomer(gateway, 'Cache header');
    const response = await graphql(gateway, BROWSE, { first: 12 }, { token: customer.token });
    expect(response.errors).toBeUndefined();
    expect(response.headers.get('cache-control')).toMatch(/^max-age=\d+, private$/);
    const mutation = await graphql(gateway, `mutation ($id: ID!) { addToCart(productId: $id, quantity: 1) { id } }`, { id: demoProducts[1]!.id }, { token: customer.token });
    expect(mutation.errors).toBeUndefined();
    expect(mutation.headers.get('cache-control')).toBe('no-store');
  });
});

describe('trusted documents by GET', () => {
  const get = async (id: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const url = new URL(gateway);
    url.searchParams.set('documentId', id);
    url.searchParams.set('variables', JSON.stringify(variables));
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true', ...headers } });
    expect(response.status).toBe(200);
    return response.headers.get('cache-control');
  };

  it('says public for an anonymous caller for no longer than the cache hints allow, and never with a token', async () => {
    // PERSISTED_DOCUMENTS_CACHE_MAX_AGE is 60 s; products are hinted 30 s, categories 60 s.
    const products = await get(persistedDocumentIdOf(ProductsDocument), { first: 5 });
    expect(Number(/^public, max-age=(\d+)$/.exec(products ?? '')?.[1])).toBeGreaterThan(0);
    expect(Number(/^public, max-age=(\d+)$/.exec(products ?? '')?.[1])).toBeLessThanOrEqual(30);
    expect(await get(persistedDocumentIdOf(CategoriesDocument), {})).toMatch(/^public, max-age=([1-9]\d*)$/);
    const customer = await signUpCustomer(gateway, 'Cache GET');
    expect(await get(persistedDocumentIdOf(ProductsDocument), { first: 5 }, { authorization: `Bearer ${customer.token}` })).toMatch(/private|no-store/);
  });
});

describe('invalidation', () => {
  it('shows a new price on the next read of the page and of every list that held the product', async () => {
    const list = async () =>
      (await graphql<{ products: { edges: { node: { id: string; price: { amount: number } } }[] } }>(gateway, BROWSE, { first: 12 })).data?.products.edges ?? [];
    const id = (await list()).at(-1)!.node.id;
    const inList = async () => (await list()).find((edge) => edge.node.id === id)?.node.price.amount;
    const before = (await price(id)) ?? 0;
    expect(await price(id)).toBe(before);
    expect(await inList()).toBe(before);
    await setPrice(id, before + 101);
    expect(await price(id)).toBe(before + 101);
    expect(await inList()).toBe(before + 101);
  });

  it('shows the stock an order took once its order is confirmed', async () => {
    const product = demoProducts[9]!;
    const customer = await signUpCustomer(gateway, 'Cache stock');
    const available = async () => (await graphql<PageData>(gateway, PAGE, { id: product.id })).data?.product.inventory?.available;
    const before = await available();
    expect(await available()).toBe(before); // kept
    const events = await counter('gateway_entity_cache_invalidations_total', 'source="event"');
    const orderId = await placeOrder(gateway, customer, [{ productId: product.id, quantity: 2 }]);
    await waitForOrderStatus(gateway, customer, orderId, ['CONFIRMED']);
    // The reservation's StockChanged has dropped the entry (not its maxAge running out)...
    await waitFor(
      () => counter('gateway_entity_cache_invalidations_total', 'source="event"'),
      (count) => count > events,
      { what: 'a stock invalidation' },
    );
    // ...so the next read has the stock as it is now.
    expect(await available()).toBe((before ?? 0) - 2);
  });

  it('never leaves an older price behind when reads race updates', async () => {
    const id = demoProducts[10]!.id;
    const start = (await price(id)) ?? 0;
    let reading = true;
    const readers = Array.from({ length: 4 }, async () => {
      while (reading) await price(id);
    });
    const events = await counter('gateway_entity_cache_invalidations_total', 'source="event"');
    const updates = 6;
    for (let step = 1; step <= updates; step += 1) await setPrice(id, start + step);
    // Every update's event handled, with reads in flight throughout.
    await waitFor(
      () => counter('gateway_entity_cache_invalidations_total', 'source="event"'),
      (count) => count >= events + updates,
      { what: "the updates' events" },
    );
    reading = false;
    await Promise.all(readers);
    for (let read = 0; read < 5; read += 1) expect(await price(id)).toBe(start + updates);
  });

  it('shows a category created, renamed or deleted on the next read of the category list and of the products in it', async () => {
    const product = demoProducts[3]!;
    const categories = async () => (await graphql(gateway, CategoriesDocument)).data?.categories ?? [];
    const categoryOnPage = async () => (await graphql<PageData>(gateway, PAGE, { id: product.id })).data?.product.category.name;
    const original = (await categories()).find((category) => category.id === product.categoryId)!.name;
    // Both kept now.
    expect(await categoryOnPage()).toBe(original);
    expect(await categoryOnPage()).toBe(original);
    const keptList = await categories();
    expect(await categories()).toEqual(keptList);

    const renamed = `Renamed ${randomBytes(4).toString('hex')}`;
    const rename = await graphql(gateway, RenameCategoryDocument, { id: product.categoryId, name: renamed }, { token: admin.token });
    expect(rename.errors).toBeUndefined();
    expect(await categoryOnPage()).toBe(renamed);
    expect((await categories()).find((category) => category.id === product.categoryId)?.name).toBe(renamed);

    const created = await graphql(gateway, CreateCategoryDocument, { input: { name: `Fresh ${randomBytes(4).toString('hex')}` } }, { token: admin.token });
    expect(created.errors).toBeUndefined();
    const fresh = created.data!.createCategory;
    expect((await categories()).map((category) => category.id)).toContain(fresh.id);
    expect((await graphql(gateway, DeleteCategoryDocument, { id: fresh.id }, { token: admin.token })).errors).toBeUndefined();
    expect((await categories()).map((category) => category.id)).not.toContain(fresh.id);

    await graphql(gateway, RenameCategoryDocument, { id: product.categoryId, name: original }, { token: admin.token });
  });
});

describe('scope and errors', () => {
  it("never serves one user's PRIVATE value to another", async () => {
    const [first, second] = await Promise.all([signUpCustomer(gateway, 'Private one'), signUpCustomer(gateway, 'Private two')]);
    const ME = `query Me { me { id name email } }`;
    for (let round = 0; round < 2; round += 1) {
      for (const session of [first!, second!]) {
        const response = await graphql<{ me: { id: string } }>(gateway, ME, {}, { token: session.token });
        expect(response.data?.me.id).toBe(session.userId);
        expect(response.headers.get('cache-control')).toMatch(/private|no-store/);
      }
    }
    // Kept per user: the second round was served from the cache.
    expect(await counter('gateway_entity_cache_lookups_total', 'type="Query.me",outcome="hit"')).toBeGreaterThanOrEqual(2);
    // An anonymous caller has no user to keep it for.
    expect((await graphql<{ me: null }>(gateway, ME)).data?.me).toBeNull();
  });

  it('does not keep an answer that carries errors', async () => {
    const customer = await signUpCustomer(gateway, 'Cache errors');
    const query = `query ($id: ID!) { product(id: $id) { inventory { available onHand } } }`;
    const ask = () => graphql(gateway, query, { id: demoProducts[11]!.id }, { token: customer.token });
    expect(errorCodes(await ask())).toEqual(['FORBIDDEN']);
    const again = await countSqlStatements({ inventory: supergraph.subgraphs['inventory']!.url }, async () => {
      const response = await ask();
      expect(errorCodes(response)).toEqual(['FORBIDDEN']);
      expect(response.headers.get('cache-control')).toBe('no-store');
    });
    expect(again.inventory).toBeGreaterThan(0);
  });

  it('lists a product created after a list was kept, on the next read', async () => {
    const firstIds = async () =>
      ((await graphql<{ products: { edges: { node: { id: string } }[] } }>(gateway, BROWSE, { first: 3 })).data?.products.edges ?? []).map((edge) => edge.node.id);
    const kept = await firstIds();
    expect(await firstIds()).toEqual(kept);
    const categories = await graphql<{ categories: { id: string }[] }>(gateway, `{ categories { id } }`);
    const suffix = randomBytes(4).toString('hex');
    const created = await graphql<{ createProduct: { id: string } }>(
      gateway,
      `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`,
      // Sorted first by name (the list's default order).
      { input: { sku: `CACHE-${suffix}`, name: `AAA cache ${suffix}`, description: 'Listed at once.', priceAmount: 100, categoryId: categories.data!.categories[0]!.id } },
      { token: admin.token },
    );
    expect(created.errors).toBeUndefined();
    expect((await firstIds())[0]).toBe(created.data!.createProduct.id);
  });
});
