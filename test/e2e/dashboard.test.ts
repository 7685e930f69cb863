import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderShipped } from '../../common/contracts/messages/index.ts';
import { envelopeOf } from '../../common/messaging/catalogue.ts';
import { demoProducts } from '../../prisma/seed-data.ts';
import type { PrismaClient as NotificationsPrisma } from '../../subgraphs/notifications/generated/prisma/client.ts';
import type { PrismaClient as OrdersPrisma } from '../../subgraphs/orders/generated/prisma/client.ts';
import type { PrismaClient as ShippingPrisma } from '../../subgraphs/shipping/generated/prisma/client.ts';
import { DashboardDocument } from '../../sdk/generated/graphql.ts';
import { errorCodes, graphql, type GraphQLResponse } from '../support/graphql-client.ts';
import { readCounter } from '../support/metrics.ts';
import { logInAsAdmin, type Session } from '../support/sessions.ts';
import { placeOrder, signUpCustomer, waitForOrderStatus } from '../support/shop-actions.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';
import { waitFor } from '../support/wait-for.ts';

// The dashboard of the design (sdk/operations/dashboard.graphql): one request planned across every subgraph.

/** The dashboard as a signed-in customer sees it: the SDK's type, without the nulls a stranger would get. */
interface DashboardData {
  me: {
    id: string;
    name: string;
    orders: {
      totalCount: number;
      edges: {
        node: {
          id: string;
          status: string;
          items: { quantity: number; productName: string; product: { id: string; name: string; inStock: boolean } }[];
          payment: { status: string } | null;
          shipment: { status: string; carrier: string; trackingNumber: string } | null;
        };
      }[];
    };
    notifications: { edges: { node: { id: string; kind: string; read: boolean; orderId: string | null } }[] };
    unreadNotificationCount: number;
  };
}

let supergraph: TestSupergraph;
let gateway: string;
let admin: Session;

beforeAll(async () => {
  supergraph = await startTestSupergraph();
  gateway = supergraph.gatewayUrl;
  admin = await logInAsAdmin(gateway);
});
afterAll(() => supergraph?.stop());

const dashboardOf = async (session: Session): Promise<GraphQLResponse<DashboardData>> => {
  const response = await graphql(gateway, DashboardDocument, {}, { token: session.token });
  if (response.data && !response.data.me?.orders) throw new Error(`dashboard without orders: ${JSON.stringify(response.errors)}`);
  return response as GraphQLResponse<DashboardData>;
};
const SHIP = `mutation ($orderId: ID!) { shipOrder(orderId: $orderId, carrier: UPS) { id trackingNumber status } }`;
const DELIVER = `mutation ($id: ID!) { markDelivered(shipmentId: $id) { status } }`;

describe('the dashboard', () => {
  it('shows a full life cycle: placed, confirmed, shipped, delivered, with four notifications, in one request', async () => {
    const customer = await signUpCustomer(gateway, 'Dana Dashboard');
    const product = demoProducts[20]!;
    const orderId = await placeOrder(gateway, customer, [{ productId: product.id, quantity: 2 }]);
    await waitForOrderStatus(gateway, customer, orderId, ['CONFIRMED']);
    await shippingKnowsConfirmed(orderId);
    const shipped = await graphql<{ shipOrder: { id: string; trackingNumber: string } }>(gateway, SHIP, { orderId }, { token: admin.token });
    expect(shipped.errors).toBeUndefined();
    await waitForOrderStatus(gateway, customer, orderId, ['SHIPPED']);
    const delivered = await graphql(gateway, DELIVER, { id: shipped.data!.shipOrder.id }, { token: admin.token });
    expect(delivered.errors).toBeUndefined();
    await waitForOrderStatus(gateway, customer, orderId, ['DELIVERED']);

    const { data, errors } = await waitFor(
      () => dashboardOf(customer),
      (response) => response.data?.me.unreadNotificationCount === 4,
      {
        what: 'four notifications',
      },
    );
    expect(errors).toBeUndefined();
    const me = data!.me;
    expect(me.name).toBe('Dana Dashboard');
    expect(me.orders.totalCount).toBe(1);
    const order = me.orders.edges[0]!.node;
    expect(order).toMatchObject({
      id: orderId,
      status: 'DELIVERED',
      payment: { status: 'CAPTURED' },
      shipment: { status: 'DELIVERED', carrier: 'UPS', trackingNumber: shipped.data!.shipOrder.trackingNumber },
    });
    expect(order.items).toEqual([{ quantity: 2, productName: product.name, product: { id: product.id, name: product.name, inStock: expect.any(Boolean) } }]);
    expect(me.notifications.edges.map(({ node }) => node.kind)).toEqual(['ORDER_DELIVERED', 'ORDER_SHIPPED', 'ORDER_CONFIRMED', 'ORDER_PLACED']);
    expect(me.notifications.edges.every(({ node }) => node.orderId === orderId && !node.read)).toBe(true);
  });

  it('costs the same number of subgraph fetches and SQL statements for 1 order as for 5 orders of 10 items', async () => {
    const small = await signUpCustomer(gateway);
    const large = await signUpCustomer(gateway);
    const smallOrder = await placeOrder(gateway, small, [{ productId: demoProducts[21]!.id, quantity: 1 }]);
    const tenProducts = demoProducts.filter((product) => product.stock >= 10).slice(0, 10);
    const largeOrders = [];
    for (let order = 0; order < 5; order += 1) {
      largeOrders.push(
        await placeOrder(
          gateway,
          large,
          tenProducts.map((product) => ({ productId: product.id, quantity: 1 })),
        ),
      );
    }
    for (const id of largeOrders) await waitForOrderStatus(gateway, large, id, ['CONFIRMED']);
    await waitForOrderStatus(gateway, small, smallOrder, ['CONFIRMED']);

    const cost = async (session: Session) => {
      const services = Object.values(supergraph.subgraphs);
      const read = () =>
        Promise.all(services.flatMap((subgraph) => [readCounter(subgraph.url, 'db_sql_statements_total', 'source="request"'), readTotal(subgraph.url, 'graphql_requests_total')]));
      const before = await read();
      const response = await dashboardOf(session);
      const after = await read();
      expect(response.errors).toBeUndefined();
      const deltas = after.map((value, index) => value - (before[index] ?? 0));
      return {
        shown: response.data!.me.orders.edges.reduce((sum, { node }) => sum + node.items.length, 0),
        sql: Object.fromEntries(services.map((subgraph, index) => [subgraph.name, deltas[index * 2]])),
        fetches: deltas.filter((_, index) => index % 2 === 1).reduce((sum, value) => sum + value, 0),
      };
    };
    const one = await cost(small);
    const many = await cost(large);
    expect(one.shown).toBe(1);
    expect(many.shown).toBe(50);
    expect(many.sql).toEqual(one.sql);
    expect(many.fetches).toBe(one.fetches);
    expect(one.fetches).toBeLessThanOrEqual(8);
  });

  it("never shows another customer's orders or notifications, nor lets them be marked read", async () => {
    const alice = await signUpCustomer(gateway, 'Alice');
    const bob = await signUpCustomer(gateway, 'Bob');
    const aliceOrder = await placeOrder(gateway, alice, [{ productId: demoProducts[22]!.id, quantity: 1 }]);
    const bobOrder = await placeOrder(gateway, bob, [{ productId: demoProducts[23]!.id, quantity: 1 }]);
    await waitForOrderStatus(gateway, alice, aliceOrder, ['CONFIRMED']);
    await waitForOrderStatus(gateway, bob, bobOrder, ['CONFIRMED']);
    const bobs = await waitFor(
      () => dashboardOf(bob),
      (response) => (response.data?.me.unreadNotificationCount ?? 0) >= 2,
      { what: "Bob's notifications" },
    );
    const alices = await waitFor(
      () => dashboardOf(alice),
      (response) => (response.data?.me.unreadNotificationCount ?? 0) >= 2,
      { what: "Alice's notifications" },
    );

    expect(alices.data!.me.orders.edges.map(({ node }) => node.id)).toEqual([aliceOrder]);
    expect(new Set(alices.data!.me.notifications.edges.map(({ node }) => node.orderId))).toEqual(new Set([aliceOrder]));

    const bobsNotification = bobs.data!.me.notifications.edges[0]!.node.id;
    const refused = await graphql(gateway, `mutation ($id: ID!) { markNotificationRead(id: $id) { id read } }`, { id: bobsNotification }, { token: alice.token });
    expect(errorCodes(refused)).toEqual(['NOT_FOUND']);
    const stillUnread = await prismaOf<NotificationsPrisma>('notifications').notification.findUniqueOrThrow({ where: { id: bobsNotification } });
    expect(stillUnread.readAt).toBeNull();

    const own = await graphql<{ markNotificationRead: { read: boolean } }>(
      gateway,
      `mutation ($id: ID!) { markNotificationRead(id: $id) { id read } }`,
      { id: bobsNotification },
      { token: bob.token },
    );
    expect(own.data?.markNotificationRead.read).toBe(true);
  });
});

describe('shipping', () => {
  it('refuses to ship an order that is not CONFIRMED', async () => {
    const customer = await signUpCustomer(gateway);
    const orderId = await placeOrder(gateway, customer, [{ productId: demoProducts[24]!.id, quantity: 1 }], 'tok_chargeDeclined');
    await waitForOrderStatus(gateway, customer, orderId, ['CANCELLED']);
    const response = await graphql(gateway, SHIP, { orderId }, { token: admin.token });
    expect(errorCodes(response)).toEqual(['ORDER_NOT_SHIPPABLE']);
    const asCustomer = await graphql(gateway, SHIP, { orderId }, { token: customer.token });
    expect(errorCodes(asCustomer)).toEqual(['FORBIDDEN']);
  });

  it('changes nothing when OrderShipped is delivered again', async () => {
    const customer = await signUpCustomer(gateway);
    const orderId = await placeOrder(gateway, customer, [{ productId: demoProducts[25]!.id, quantity: 1 }]);
    await waitForOrderStatus(gateway, customer, orderId, ['CONFIRMED']);
    await shippingKnowsConfirmed(orderId);
    const shipped = await graphql<{ shipOrder: { id: string; trackingNumber: string } }>(gateway, SHIP, { orderId }, { token: admin.token });
    expect(shipped.errors).toBeUndefined();
    await waitForOrderStatus(gateway, customer, orderId, ['SHIPPED']);
    const notifications = prismaOf<NotificationsPrisma>('notifications');
    await waitFor(
      () => notifications.notification.count({ where: { orderId, kind: 'ORDER_SHIPPED' } }),
      (count) => count === 1,
      { what: 'the shipped notification' },
    );
    const orders = prismaOf<OrdersPrisma>('orders');
    const historyBefore = await orders.orderStatusChange.count({ where: { orderId } });

    const again = envelopeOf(OrderShipped, {
      orderId,
      customerId: customer.userId,
      shipmentId: shipped.data!.shipOrder.id,
      carrier: 'UPS',
      trackingNumber: shipped.data!.shipOrder.trackingNumber,
      at: new Date().toISOString(),
    });
    await supergraph.bus.publish(again);
    await supergraph.bus.publish(again);
    await waitFor(
      () => orders.inboxMessage.count({ where: { messageId: again.id } }),
      (count) => count === 1,
      { what: 'orders to see the duplicate' },
    );
    await waitFor(
      () => notifications.inboxMessage.count({ where: { messageId: again.id } }),
      (count) => count === 1,
      { what: 'notifications to see the duplicate' },
    );
    expect(await orders.orderStatusChange.count({ where: { orderId } })).toBe(historyBefore);
    expect(await notifications.notification.count({ where: { orderId, kind: 'ORDER_SHIPPED' } })).toBe(1);
  });
});

/** Shipping learns of a confirmation from orders' event, a moment after orders shows it. */
function shippingKnowsConfirmed(orderId: string) {
  return waitFor(
    () => prismaOf<ShippingPrisma>('shipping').shippableOrder.findUnique({ where: { orderId } }),
    (order) => order?.status === 'CONFIRMED',
    { what: `shipping to learn that ${orderId} is confirmed` },
  );
}

function prismaOf<T>(name: string): T {
  return supergraph.subgraphs[name]!.prisma as T;
}

/** The sum of every series of a counter (e.g. requests of every operation). */
async function readTotal(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
