// 500 subscribers over the three kinds of @event field (orderStatusChanged on the subscriber's own
// order, notificationAdded and cartChanged for the subscriber's own entities), spread over two gateway
// processes on one RabbitMQ broker: each subscriber receives its own events and nobody else's, and
// once the clients are gone every subscription gauge, listener count and connection-timer gauge on
// both gateways is back where it was. RabbitMQ only (vitest project `postgres`): the in-process bus
// cannot cross processes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoProducts } from '../../../prisma/seed-data.ts';
import { graphql } from '../../support/graphql-client.ts';
import { readCounter } from '../../support/metrics.ts';
import type { Session } from '../../support/sessions.ts';
import { gatewayEnvFor, startGatewayProcess, type GatewayProcess } from '../../support/service-process.ts';
import { placeOrder, signUpCustomer } from '../../support/shop-actions.ts';
import { testTiming } from '../../support/test-timing.ts';
import { startTestSupergraph, type TestSupergraph } from '../../support/test-supergraph.ts';
import { waitFor } from '../../support/wait-for.ts';
import { collect, wsClient, type CollectedSubscription } from '../../support/subscriptions.ts';

const USERS = 50;
/** Each user's 10 subscriptions: 4 on its order, 3 on its notifications, 3 on its cart, half on each gateway. */
const PER_GATEWAY = [
  { orders: 2, notifications: 2, carts: 1 },
  { orders: 2, notifications: 1, carts: 2 },
] as const;
const PER_USER = PER_GATEWAY.reduce((sum, kinds) => sum + kinds.orders + kinds.notifications + kinds.carts, 0);

const ORDER = /* GraphQL */ `subscription ($id: ID!) { orderStatusChanged(orderId: $id) { id status customer { id } } }`;
const NOTIFICATIONS = /* GraphQL */ `subscription { notificationAdded { id kind order { id customer { id } } } }`;
const CART = /* GraphQL */ `subscription { cartChanged { id version itemCount } }`;
const ADD = /* GraphQL */ `mutation ($id: ID!, $quantity: Int!) { addToCart(productId: $id, quantity: $quantity) { id version } }`;
interface OrderData {
  orderStatusChanged: { id: string; status: string; customer: { id: string } };
}
interface NotificationData {
  notificationAdded: { id: string; kind: string; order: { id: string; customer: { id: string } } | null };
}
interface CartData {
  cartChanged: { id: string; version: number; itemCount: number };
}

let supergraph: TestSupergraph;
let users: Session[] = [];
const gateways: GatewayProcess[] = [];
const timings: string[] = [];

beforeAll(async () => {
  const started = performance.now();
  // Every user signs up and logs in from this one address: a budget for 50 of them.
  supergraph = await startTestSupergraph({ mode: 'postgres', env: { AUTH_RATE_LIMIT_POINTS: String(USERS * 4) } });
  const spawn = () =>
    startGatewayProcess({
      ...gatewayEnvFor(supergraph),
      AMQP_URL: supergraph.env['AMQP_URL']!,
      AMQP_EXCHANGE: supergraph.env['AMQP_EXCHANGE']!,
      AMQP_QUEUE_PREFIX: supergraph.env['AMQP_QUEUE_PREFIX']!,
    }).then((gateway) => void gateways.push(gateway));
  await Promise.all([spawn(), spawn()]);
  // Ten sign-ups at a time: password hashing is the slow part on a shared machine.
  for (let batch = 0; batch < USERS; batch += 10) {
    users.push(...(await Promise.all(Array.from({ length: Math.min(10, USERS - batch) }, (_, n) => signUpCustomer(supergraph.gatewayUrl, `Fan-out ${batch + n}`)))));
  }
  timings.push(`supergraph, two gateway processes and ${USERS} users: ${Math.round(performance.now() - started)} ms`);
}, testTiming.hookTimeoutMs);

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await supergraph?.stop();
  users = [];
  console.log(`two-gateway fan-out timings\n  ${timings.join('\n  ')}`);
});

const baseOf = (gateway: GatewayProcess) => new URL('/', gateway.url).toString().replace(/\/$/, '');
const gauges = async (gateway: GatewayProcess) => {
  const base = baseOf(gateway);
  return {
    connections: await readCounter(base, 'gateway_websocket_connections'),
    subscriptions: await readCounter(base, 'gateway_subscriptions_active'),
    listeners: await readCounter(base, 'gateway_subscription_listeners'),
    timers: await readCounter(base, 'gateway_websocket_timers'),
  };
};

describe('fan-out over two gateway processes on one broker', () => {
  it(
    `${USERS} users x ${PER_USER} subscriptions across orderStatusChanged, notificationAdded and cartChanged: each receives its own events; both gateways end at their baseline`,
    { timeout: testTiming.testTimeoutMs },
    async () => {
      expect(PER_USER).toBe(10);
      const before = await Promise.all(gateways.map(gauges));
      for (const baseline of before) expect(baseline).toMatchObject({ connections: 0, subscriptions: 0, listeners: 0 });

      // Each user's order waits PENDING while inventory is away: its CONFIRMED (and ORDER_CONFIRMED
      // notification) comes once the subscriptions are open.
      const products = demoProducts.filter((product) => product.stock >= 10);
      await supergraph.stopSubgraph('inventory');
      let inventoryBack = false;
      const clients: ReturnType<typeof wsClient>[] = [];
      try {
        const orderIds = await Promise.all(users.map((user, n) => placeOrder(gateways[n % 2]!.url, user, [{ productId: products[n % products.length]!.id, quantity: 1 }])));

        // One connection per user per gateway, each carrying that user's share of subscriptions.
        const watched = users.map((user, n) => {
          const mine = {
            orders: [] as CollectedSubscription<OrderData>[],
            notifications: [] as CollectedSubscription<NotificationData>[],
            carts: [] as CollectedSubscription<CartData>[],
          };
          PER_GATEWAY.forEach((kinds, g) => {
            const client = wsClient(gateways[g]!.url, user.token);
            clients.push(client);
            for (let k = 0; k < kinds.orders; k += 1) mine.orders.push(collect<OrderData>(client, ORDER, { id: orderIds[n]! }));
            for (let k = 0; k < kinds.notifications; k += 1) mine.notifications.push(collect<NotificationData>(client, NOTIFICATIONS));
            for (let k = 0; k < kinds.carts; k += 1) mine.carts.push(collect<CartData>(client, CART));
          });
          return mine;
        });
        const opening = performance.now();
        await Promise.all(watched.flatMap((mine) => mine.orders.map((subscription) => subscription.until((results) => results.length === 1, testTiming.conditionMs))));
        // notificationAdded and cartChanged send nothing at first: open once each gateway counts them all.
        for (const [g, gateway] of gateways.entries()) {
          const perUser = PER_GATEWAY[g]!.orders + PER_GATEWAY[g]!.notifications + PER_GATEWAY[g]!.carts;
          const open = await waitFor(
            () => gauges(gateway),
            (now) => now.subscriptions === before[g]!.subscriptions + USERS * perUser,
            {
              what: `gateway ${g} to hold its ${USERS * perUser} subscriptions`,
            },
          );
          expect(open).toMatchObject({ connections: before[g]!.connections + USERS, listeners: before[g]!.listeners + USERS * perUser });
          expect(open.timers).toBeGreaterThan(before[g]!.timers); // keep-alive and expiry timers of the open connections
        }
        timings.push(`${USERS * PER_USER} subscriptions open on two gateways: ${Math.round(performance.now() - opening)} ms`);

        const released = performance.now();
        await supergraph.startSubgraph('inventory');
        inventoryBack = true;
        // Each user changes its own cart, through either gateway.
        const carts = await Promise.all(
          users.map(async (user, n) => {
            const added = await graphql<{ addToCart: { id: string; version: number } }>(
              gateways[(n + 1) % 2]!.url,
              ADD,
              { id: products[n % products.length]!.id, quantity: 2 },
              { token: user.token },
            );
            expect(added.errors).toBeUndefined();
            return added.data!.addToCart;
          }),
        );
        expect(new Set(carts.map((cart) => cart.id)).size).toBe(USERS);

        await Promise.all(
          watched.flatMap((mine, n) => [
            ...mine.orders.map((subscription) => subscription.until((results) => results.length === 2, testTiming.conditionMs)),
            ...mine.notifications.map((subscription) =>
              subscription.until((results) => results.some((result) => result.data?.notificationAdded.kind === 'ORDER_CONFIRMED'), testTiming.conditionMs),
            ),
            ...mine.carts.map((subscription) =>
              subscription.until((results) => results.some((result) => result.data?.cartChanged.version === carts[n]!.version), testTiming.conditionMs),
            ),
          ]),
        );
        timings.push(`every subscriber's events delivered: ${Math.round(performance.now() - released)} ms after inventory restarted`);

        // Each subscriber saw its own entity only, with no errors.
        for (const [n, mine] of watched.entries()) {
          const user = users[n]!;
          for (const subscription of mine.orders) {
            expect(subscription.results.map((result) => result.errors)).toEqual([undefined, undefined]);
            expect(subscription.results.map((result) => result.data?.orderStatusChanged)).toEqual([
              { id: orderIds[n], status: 'PENDING', customer: { id: user.userId } },
              { id: orderIds[n], status: 'CONFIRMED', customer: { id: user.userId } },
            ]);
          }
          for (const subscription of mine.notifications) {
            for (const result of subscription.results) {
              expect(result.errors).toBeUndefined();
              expect(result.data?.notificationAdded.order).toEqual({ id: orderIds[n], customer: { id: user.userId } });
            }
          }
          for (const subscription of mine.carts) {
            for (const result of subscription.results) {
              expect(result.errors).toBeUndefined();
              expect(result.data?.cartChanged.id).toBe(carts[n]!.id);
            }
            expect(subscription.results.find((result) => result.data?.cartChanged.version === carts[n]!.version)?.data?.cartChanged.itemCount).toBe(2);
          }
        }
      } finally {
        await Promise.all(clients.map((client) => client.dispose()));
        if (!inventoryBack) await supergraph.startSubgraph('inventory');
      }

      // Nothing left behind on either gateway: subscriptions, listeners, connections and their timers.
      for (const [g, gateway] of gateways.entries()) {
        await waitFor(
          () => gauges(gateway),
          (now) => JSON.stringify(now) === JSON.stringify(before[g]),
          {
            what: `gateway ${g}'s subscription gauges, listeners and timers to return to ${JSON.stringify(before[g])}`,
          },
        );
      }
    },
  );
});
