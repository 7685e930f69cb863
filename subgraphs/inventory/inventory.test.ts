import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoProducts } from '../../prisma/seed-data.ts';
import { ProductsDocument, RestockDocument } from '../../sdk/index.ts';
import { errorCodes, graphql } from '../../test/support/graphql-client.ts';
import { countSqlStatements } from '../../test/support/metrics.ts';
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

describe('SQL per request', () => {
  it('does not grow with the page size: one batched query per subgraph fetch', async () => {
    const services = { catalog: supergraph.subgraphs['catalog']!.url, inventory: supergraph.subgraphs['inventory']!.url };
    const run = (first: number) => async () => {
      const response = await graphql(gateway, ProductsDocument, { first });
      expect(response.errors).toBeUndefined();
      expect(response.data?.products.edges).toHaveLength(first);
    };
    const ten = await countSqlStatements(services, run(10));
    const fifty = await countSqlStatements(services, run(50));
    expect(fifty).toEqual(ten);
    // inventory: one batch for all products; catalog: the page, its count and one batch of categories.
    expect(ten.inventory).toBe(1);
    expect(ten.catalog).toBe(3);
  });
});

describe('restock', () => {
  const product = demoProducts[3]!;
  const stockOf = async () => (await (supergraph.subgraphs['inventory']!.prisma as PrismaClient).stockItem.findUniqueOrThrow({ where: { productId: product.id } })).onHand;

  it('refuses a customer and changes nothing', async () => {
    const before = await stockOf();
    const response = await graphql(gateway, RestockDocument, { productId: product.id, quantity: 5 }, { token: customer.token });
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
    expect(response.data).toBeNull();
    expect(await stockOf()).toBe(before);
  });

  it('adds stock for an admin, who alone sees the warehouse count', async () => {
    const before = await stockOf();
    const response = await graphql(gateway, RestockDocument, { productId: product.id, quantity: 5 }, { token: admin.token });
    expect(response.errors).toBeUndefined();
    expect(response.data?.restock).toEqual({ available: before + 5, reserved: 0, onHand: before + 5 });
    expect(await stockOf()).toBe(before + 5);

    const asCustomer = await graphql<{ product: { inventory: { available: number; onHand: number | null } } }>(
      gateway,
      `query ($id: ID!) { product(id: $id) { inventory { available onHand } } }`,
      { id: product.id },
      { token: customer.token },
    );
    expect(asCustomer.data?.product.inventory).toEqual({ available: before + 5, onHand: null });
    expect(errorCodes(asCustomer)).toEqual(['FORBIDDEN']);
  });

  it('refuses a quantity of 0 or less', async () => {
    for (const quantity of [0, -3]) {
      const response = await graphql(gateway, RestockDocument, { productId: product.id, quantity }, { token: admin.token });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    }
  });
});
