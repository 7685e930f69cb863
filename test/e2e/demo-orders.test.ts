// `npm start` places the demo orders on every start (scripts/demo-orders.ts): a second run against
// the same data must leave the demo customer with the same four orders, in the same states.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoOrders } from '../../scripts/demo-orders.ts';
import { graphql } from '../support/graphql-client.ts';
import { logInAsCustomer } from '../support/sessions.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';

let supergraph: TestSupergraph;

beforeAll(async () => {
  supergraph = await startTestSupergraph();
}, 120_000);
afterAll(async () => {
  await supergraph?.stop();
});

interface MyOrders {
  me: { orders: { totalCount: number; edges: { node: { id: string; status: string } }[] } };
}
const MY_ORDERS = /* GraphQL */ `{ me { orders(first: 20) { totalCount edges { node { id status } } } } }`;

const ordersOfTheCustomer = async () => {
  const customer = await logInAsCustomer(supergraph.gatewayUrl);
  const response = await graphql<MyOrders>(supergraph.gatewayUrl, MY_ORDERS, {}, { token: customer.token });
  expect(response.errors).toBeUndefined();
  return response.data!.me.orders;
};

describe('demo orders', () => {
  it('are placed once: seeding again leaves the customer with the same four orders', async () => {
    await createDemoOrders(supergraph.gatewayUrl);
    const first = await ordersOfTheCustomer();
    expect(first.totalCount).toBe(4);
    expect(first.edges.map(({ node }) => node.status).sort()).toEqual(['CANCELLED', 'CONFIRMED', 'DELIVERED', 'SHIPPED']);

    await createDemoOrders(supergraph.gatewayUrl);
    const second = await ordersOfTheCustomer();
    expect(second.totalCount).toBe(4);
    expect(second.edges.map(({ node }) => node.id).sort()).toEqual(first.edges.map(({ node }) => node.id).sort());
    expect(second.edges.map(({ node }) => node.status).sort()).toEqual(['CANCELLED', 'CONFIRMED', 'DELIVERED', 'SHIPPED']);
  }, 120_000);
});
