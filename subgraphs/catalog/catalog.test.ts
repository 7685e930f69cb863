import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoProducts } from '../../prisma/seed-data.ts';
import { CreateProductDocument, ProductDocument, ProductsDocument, UpdateProductDocument, type ProductsQuery } from '../../sdk/index.ts';
import { errorCodes, graphql, type GraphQLResponse } from '../../test/support/graphql-client.ts';
import { logInAsAdmin, logInAsCustomer, type Session } from '../../test/support/sessions.ts';
import { startTestSupergraph, type TestSupergraph } from '../../test/support/test-supergraph.ts';
import type { PrismaClient } from './generated/prisma/client.ts';

let supergraph: TestSupergraph;
let gateway: string;
let admin: Session;
let customer: Session;

beforeAll(async () => {
  supergraph = await startTestSupergraph();
  gateway = supergraph.gatewayUrl;
  [admin, customer] = await Promise.all([logInAsAdmin(gateway), logInAsCustomer(gateway)]);
});
afterAll(() => supergraph?.stop());

describe('browsing the catalog through the gateway', () => {
  it('returns seeded products with their stock from inventory in one request', async () => {
    const response = await graphql(gateway, ProductsDocument, { first: 10 });
    expect(response.errors).toBeUndefined();
    const { products } = response.data!;
    expect(products.totalCount).toBe(demoProducts.length);
    expect(products.edges).toHaveLength(10);
    const expected = [...demoProducts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1)).slice(0, 10);
    expect(products.edges.map(({ node }) => node.sku)).toEqual(expected.map((product) => product.sku));
    for (const { node } of products.edges) {
      const seeded = demoProducts.find((product) => product.id === node.id)!;
      expect(node.price).toEqual({ amount: seeded.priceAmount, currency: 'USD' });
      expect(node.inventory).toEqual({ available: seeded.stock, reserved: 0 });
      expect(node.inStock).toBe(seeded.stock > 0);
    }
  });

  it('pages through every product exactly once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      const response: GraphQLResponse<ProductsQuery> = await graphql(gateway, ProductsDocument, { first: 20, after, orderBy: 'PRICE_DESC' });
      expect(response.errors).toBeUndefined();
      seen.push(...response.data!.products.edges.map(({ node }) => node.id));
      if (!response.data!.products.pageInfo.hasNextPage) break;
      after = response.data!.products.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(demoProducts.length);
    expect(new Set(seen).size).toBe(demoProducts.length);
  });

  it('filters by category and searches by text', async () => {
    const tea = await graphql(gateway, ProductsDocument, { first: 50, filter: { categorySlug: 'tea' } });
    expect(tea.data!.products.edges.map(({ node }) => node.category.slug)).toEqual(Array(9).fill('tea'));
    const search = await graphql(gateway, ProductsDocument, { first: 50, filter: { search: 'espresso' } });
    const names = search.data!.products.edges.map(({ node }) => node.name);
    expect(names.length).toBeGreaterThan(1);
    for (const { node } of search.data!.products.edges) {
      const seeded = demoProducts.find((product) => product.id === node.id)!;
      expect(`${seeded.name} ${seeded.description}`.toLowerCase()).toContain('espresso');
    }
  });

  it('refuses a page size over 100 (at the gateway, before catalog) and a forged cursor', async () => {
    const big = await graphql(gateway, ProductsDocument, { first: 101 });
    expect(big.status).toBe(400);
    expect(errorCodes(big)).toEqual(['PAGE_SIZE_LIMIT_EXCEEDED']);
    const cursor = await graphql(gateway, ProductsDocument, { first: 5, after: 'bm90LWEtY3Vyc29y' });
    expect(errorCodes(cursor)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers a product that does not exist with null', async () => {
    const response = await graphql(gateway, ProductDocument, { id: 'not-an-id' });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ product: null });
  });
});

describe('admin mutations', () => {
  const input = (sku: string) => ({
    sku,
    name: 'Test Kettle',
    description: 'Boils water.',
    priceAmount: 2599,
    categoryId: demoProducts[0]!.categoryId,
  });

  it('refuses a customer and an anonymous caller, and stores nothing', async () => {
    const prisma = supergraph.subgraphs['catalog']!.prisma as PrismaClient;
    const before = await prisma.product.count();
    const asCustomer = await graphql(gateway, CreateProductDocument, { input: input('CUST-1') }, { token: customer.token });
    expect(errorCodes(asCustomer)).toEqual(['FORBIDDEN']);
    expect(asCustomer.data).toBeNull();
    const anonymous = await graphql(gateway, CreateProductDocument, { input: input('ANON-1') });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect(await prisma.product.count()).toBe(before);
    expect(await prisma.product.findUnique({ where: { sku: 'CUST-1' } })).toBeNull();
  });

  it('lets an admin create and update a product', async () => {
    const created = await graphql(gateway, CreateProductDocument, { input: input('ADMIN-1') }, { token: admin.token });
    expect(created.errors).toBeUndefined();
    expect(created.data?.createProduct).toMatchObject({ sku: 'ADMIN-1', price: { amount: 2599, currency: 'USD' }, inStock: false });
    const updated = await graphql(gateway, UpdateProductDocument, { id: created.data!.createProduct.id, input: { priceAmount: 1999 } }, { token: admin.token });
    expect(updated.data?.updateProduct.price.amount).toBe(1999);
    const duplicate = await graphql(gateway, CreateProductDocument, { input: input('ADMIN-1') }, { token: admin.token });
    expect(errorCodes(duplicate)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses bad product input with the field named', async () => {
    const negative = await graphql(gateway, CreateProductDocument, { input: { ...input('NEG-1'), priceAmount: -5 } }, { token: admin.token });
    expect(errorCodes(negative)).toEqual(['BAD_USER_INPUT']);
    expect(negative.errors?.[0]?.extensions?.['field']).toBe('priceAmount');
    const category = await graphql(gateway, CreateProductDocument, { input: { ...input('CAT-1'), categoryId: 'nope' } }, { token: admin.token });
    expect(category.errors?.[0]?.extensions?.['field']).toBe('categoryId');
  });
});
