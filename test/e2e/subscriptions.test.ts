// Order-status subscriptions through the gateway over graphql-ws: the status changes of the saga in
// order, with fields of other subgraphs resolved per subscriber; who may subscribe; tokens; limits;
// fan-out to 500 subscribers and nothing left behind. Runs on both infrastructures (vitest projects
// `postgres` and `embedded`).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { activeHandles, handlesAddedSince } from '../../common/messaging/testing/handles.ts';
import { loadGatewayConfig } from '../../gateway/config.ts';
import { startGateway } from '../../gateway/start-gateway.ts';
import { demoProducts } from '../../prisma/seed-data.ts';
import { graphql } from '../support/graphql-client.ts';
import { readCounter } from '../support/metrics.ts';
import { logIn, logInAsAdmin, logInAsCustomer, type Session } from '../support/sessions.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';
import { waitFor } from '../support/wait-for.ts';
import { collect, wsClient, wsUrlOf, type SubscriptionResult } from '../support/subscriptions.ts';
import { tokenFromAccountsKey } from '../support/tokens.ts';

// Aliases, a fragment, a variable and fields of five subgraphs (orders, catalog, payments, shipping, accounts).
const ORDER_STATUS = /* GraphQL */ `
  subscription OrderStatus($id: ID!) {
    changed: orderStatusChanged(orderId: $id) {
      id
      status
      state: status
      ...Lines
      payment { status }
      shipment { trackingNumber }
      customer { id }
    }
  }
  fragment Lines on Order { items { quantity product { name } } }
`;
interface OrderStatusData {
  changed: {
    id: string;
    status: string;
    state: string;
    items: { quantity: number; product: { name: string } }[];
    payment: { status: string } | null;
    shipment: { trackingNumber: string } | null;
    customer: { id: string };
  };
}
const MINIMAL = /* GraphQL */ `subscription ($id: ID!) { orderStatusChanged(orderId: $id) { id status } }`;
const SHIP_ORDER = /* GraphQL */ `mutation ($id: ID!) { shipOrder(orderId: $id, carrier: UPS) { id trackingNumber } }`;
const PLACE_ORDER = /* GraphQL */ `
  mutation PlaceOrder($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { id status } }
`;

let supergraph: TestSupergraph;
let gateway: string;
let gatewayBase: string;
let customer: Session;
let admin: Session;
let stranger: Session;
const timings: string[] = [];

beforeAll(async () => {
  const started = performance.now();
  supergraph = await startTestSupergraph({ env: { SUBSCRIPTIONS_MAX_PER_USER: '1000', SUBSCRIPTIONS_MAX_PER_CONNECTION: '20' } });
  gateway = supergraph.gatewayUrl;
  gatewayBase = new URL('/', gateway).toString().replace(/\/$/, '');
  [customer, admin] = await Promise.all([logInAsCustomer(gateway), logInAsAdmin(gateway)]);
  const email = `stranger-${randomUUID()}@shop.test`;
  await graphql(gateway, `mutation ($input: SignUpInput!) { signUp(input: $input) { token } }`, { input: { email, password: 'stranger password', name: 'Stranger' } });
  stranger = await logIn(gateway, email, 'stranger password');
  timings.push(`supergraph up (${supergraph.mode}): ${Math.round(performance.now() - started)} ms`);
});
afterAll(async () => {
  await supergraph?.stop();
  console.log(`subscription e2e timings\n  ${timings.join('\n  ')}`);
});

const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings.push(`${label}: ${Math.round(performance.now() - started)} ms`);
  }
};

const place = async (session: Session, productIndex = 0, quantity = 1) => {
  const response = await graphql<{ placeOrder: { id: string; status: string } }>(
    gateway,
    PLACE_ORDER,
    { input: { items: [{ productId: demoProducts[productIndex]!.id, quantity }], paymentToken: 'tok_visa' }, key: randomUUID() },
    { token: session.token },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.placeOrder.id;
};

/** Places an order that stays PENDING until `release()`: inventory is away, its reserve command waits in its queue. */
const placeHeldOrder = async (session: Session, productIndex = 0) => {
  await supergraph.stopSubgraph('inventory');
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await supergraph.startSubgraph('inventory');
  };
  onTestFinished(release); // whatever happens, inventory comes back for the next test
  return { id: await place(session, productIndex), release };
};

const orderStatusOf = (session: Session, id: string) =>
  graphql<{ order: { status: string } }>(gateway, `query ($id: ID!) { order(id: $id) { status } }`, { id }, { token: session.token });

const gauge = (name: string) => readCounter(gatewayBase, name);
const gauges = async () => ({
  connections: await gauge('gateway_websocket_connections'),
  subscriptions: await gauge('gateway_subscriptions_active'),
  listeners: await gauge('gateway_subscription_listeners'),
});

const statuses = (results: readonly SubscriptionResult<OrderStatusData>[]) => results.map((result) => result.data?.changed.status);

describe('orderStatusChanged over graphql-ws', () => {
  it('delivers each status of a new order in order, with fields of other subgraphs', async () => {
    const product = demoProducts[0]!;
    const { id, release } = await timed('hold an order PENDING', () => placeHeldOrder(customer));
    const client = wsClient(gateway, customer.token);
    onTestFinished(() => client.dispose());
    const watching = collect<OrderStatusData>(client, ORDER_STATUS, { id });

    const [initial] = await timed('subscribe (initial result)', () => watching.until((results) => results.length === 1));
    expect(initial?.errors).toBeUndefined();
    expect(initial?.extensions).toEqual({ initial: true });
    expect(initial?.data?.changed).toEqual({
      id,
      status: 'PENDING',
      state: 'PENDING',
      items: [{ quantity: 1, product: { name: product.name } }],
      payment: null,
      shipment: null,
      customer: { id: customer.userId },
    });

    await timed('PENDING -> CONFIRMED delivered', async () => {
      await release();
      await watching.until((results) => statuses(results).includes('CONFIRMED'));
    });
    expect(statuses(watching.results)).toEqual(['PENDING', 'CONFIRMED']);
    const confirmed = watching.results[1]!;
    expect(confirmed.errors).toBeUndefined();
    expect(confirmed.data?.changed).toMatchObject({ id, status: 'CONFIRMED', state: 'CONFIRMED', payment: { status: 'CAPTURED' } });
    expect(confirmed.data?.changed.items[0]?.product.name).toBe(product.name);
    expect(confirmed.extensions?.['event']).toMatchObject({ status: 'CONFIRMED', previousStatus: 'PENDING', reason: null, at: expect.any(String) });
    expect(confirmed.data?.changed).not.toHaveProperty('_gatewayStatus');

    // Shipped (shipping's tracking number in the event), then delivered: the last change, so the subscription completes.
    const shipped = await timed('CONFIRMED -> SHIPPED delivered', async () => {
      const shipment = await waitFor(
        () => graphql<{ shipOrder: { id: string; trackingNumber: string } }>(gateway, SHIP_ORDER, { id }, { token: admin.token }),
        (response) => response.data?.shipOrder !== undefined, // shipping hears of the confirmation by event
        { what: 'shipping to accept the order' },
      );
      await watching.until((results) => statuses(results).includes('SHIPPED'));
      return shipment.data!.shipOrder;
    });
    expect(watching.results[2]?.data?.changed).toMatchObject({ status: 'SHIPPED', shipment: { trackingNumber: shipped.trackingNumber } });
    const delivered = await graphql(gateway, `mutation ($id: ID!) { markDelivered(shipmentId: $id) { status } }`, { id: shipped.id }, { token: admin.token });
    expect(delivered.errors).toBeUndefined();
    expect(await watching.ended).toEqual({ completed: true });
    expect(statuses(watching.results)).toEqual(['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED']);
    expect(watching.results.map((result) => result.data?.changed.state)).toEqual(['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED']);
  });

  it("refuses someone else's order with NOT_FOUND; an admin may watch it", async () => {
    const id = await place(customer, 1);
    const strangers = wsClient(gateway, stranger.token);
    const admins = wsClient(gateway, admin.token);
    onTestFinished(() => Promise.all([strangers.dispose(), admins.dispose()]).then(() => undefined));

    const refused = collect(strangers, MINIMAL, { id });
    const end = await refused.ended;
    expect(end.completed).toBe(false);
    expect(end.errors?.map((error) => error.extensions?.['code'])).toEqual(['NOT_FOUND']);
    expect(refused.results).toEqual([]);
    // The same answer as the HTTP query.
    expect((await orderStatusOf(stranger, id)).errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');

    const watched = collect<{ orderStatusChanged: { id: string } }>(admins, MINIMAL, { id });
    const [first] = await watched.until((results) => results.length === 1);
    expect(first?.data?.orderStatusChanged.id).toBe(id);
    watched.dispose();
  });

  it('refuses to subscribe without a token, and refuses the connection with a bad one (4401)', async () => {
    const id = await place(customer, 2);
    const anonymous = wsClient(gateway);
    onTestFinished(() => anonymous.dispose());
    const end = await collect(anonymous, MINIMAL, { id }).ended;
    expect(end.errors?.map((error) => error.extensions?.['code'])).toEqual(['UNAUTHENTICATED']);

    const forged = wsClient(gateway, `${customer.token.slice(0, -4)}AAAA`);
    onTestFinished(() => forged.dispose());
    const closed = await collect(forged, MINIMAL, { id }).ended;
    expect(closed.close).toEqual({ code: 4401, reason: 'Unauthorized: TOKEN_SIGNATURE_INVALID' });
  });

  it('ends the stream when the token expires (4403 Token expired), and refuses it afterwards', async () => {
    const id = await place(customer, 3);
    await waitFor(
      () => orderStatusOf(customer, id),
      (response) => response.data?.order.status === 'CONFIRMED',
      { what: 'the order to settle' },
    );
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = await tokenFromAccountsKey(supergraph, { sub: customer.userId, role: 'CUSTOMER', exp });
    const client = wsClient(gateway, shortLived);
    onTestFinished(() => client.dispose());
    const watching = collect<{ orderStatusChanged: { status: string } }>(client, MINIMAL, { id });
    await watching.until((results) => results.length === 1);
    expect(watching.results[0]?.data?.orderStatusChanged.status).toBe('CONFIRMED');

    const end = await timed('token expiry to close', () => watching.ended);
    expect(end.close).toEqual({ code: 4403, reason: 'Token expired' });
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    expect(Date.now()).toBeLessThan(exp * 1000 + 2_000);

    // The same token again: refused at connection_init, and graphql-ws clients do not retry 4401.
    const again = wsClient(gateway, shortLived);
    onTestFinished(() => again.dispose());
    expect((await collect(again, MINIMAL, { id }).ended).close).toEqual({ code: 4401, reason: 'Unauthorized: TOKEN_EXPIRED' });
  });

  it('sends an order already in a final state once and completes', async () => {
    const id = await place(customer, 7);
    await waitFor(
      () => orderStatusOf(customer, id),
      (response) => response.data?.order.status === 'CONFIRMED',
      { what: 'the order to settle' },
    );
    const cancelled = await graphql(gateway, `mutation ($id: ID!) { cancelOrder(id: $id) { status } }`, { id }, { token: customer.token });
    expect(cancelled.errors).toBeUndefined();
    const client = wsClient(gateway, customer.token);
    onTestFinished(() => client.dispose());
    const watching = collect<{ orderStatusChanged: { status: string } }>(client, MINIMAL, { id });
    expect(await watching.ended).toEqual({ completed: true });
    expect(watching.results).toEqual([{ data: { orderStatusChanged: { id, status: 'CANCELLED' } }, extensions: { initial: true } }]);
  });

  it('answers bad operations with GraphQL errors without closing the connection; queries belong on HTTP', async () => {
    const client = wsClient(gateway, customer.token);
    onTestFinished(() => client.dispose());
    const unknownField = await collect(client, `subscription { orderStatusChanged(orderId: "x") { id nope } }`).ended;
    expect(unknownField.errors?.map((error) => error.extensions?.['code'])).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const missingVariable = await collect(client, MINIMAL, {}).ended;
    expect(missingVariable.errors?.map((error) => error.extensions?.['code'])).toEqual(['BAD_USER_INPUT']);
    const query = await collect(client, `{ me { id } }`).ended;
    expect(query.errors?.map((error) => error.extensions?.['code'])).toEqual(['BAD_REQUEST']);
    // The same client subscribes as before.
    const id = await place(customer, 6);
    const watching = collect<{ orderStatusChanged: { id: string } }>(client, MINIMAL, { id });
    await watching.until((results) => results.length === 1);
    expect(watching.results[0]?.data?.orderStatusChanged.id).toBe(id);
  });
});

describe('fan-out', () => {
  it('delivers one change to 500 subscribers (50 connections x 10) and leaves nothing behind', { timeout: 90_000 }, async () => {
    // Earlier tests' connections may still be closing.
    const before = await waitFor(gauges, (now) => now.connections === 0 && now.subscriptions === 0 && now.listeners === 0, { what: 'no subscriptions' });
    const handlesBefore = activeHandles();
    const timersBefore = await gauge('gateway_websocket_timers');
    const deliveredBefore = await gauge('gateway_subscription_events_delivered_total');
    const { id, release } = await placeHeldOrder(customer, 4);

    const clients = Array.from({ length: 50 }, (_, i) => wsClient(gateway, i % 5 === 0 ? admin.token : customer.token));
    const subscriptions = clients.flatMap((client) => Array.from({ length: 10 }, () => collect<{ orderStatusChanged: { status: string } }>(client, MINIMAL, { id })));
    await timed('500 subscriptions opened (initial results)', () => Promise.all(subscriptions.map((subscription) => subscription.until((results) => results.length === 1))));
    expect(await gauges()).toEqual({ connections: before.connections + 50, subscriptions: before.subscriptions + 500, listeners: before.listeners + 500 });

    const released = performance.now();
    await release();
    await Promise.all(subscriptions.map((subscription) => subscription.until((results) => results.length === 2, 30_000)));
    timings.push(`CONFIRMED delivered to 500 subscribers: ${Math.round(performance.now() - released)} ms after inventory restarted`);
    for (const subscription of subscriptions) {
      expect(subscription.results.map((result) => result.data?.orderStatusChanged.status)).toEqual(['PENDING', 'CONFIRMED']);
    }
    expect((await gauge('gateway_subscription_events_delivered_total')) - deliveredBefore).toBe(500);

    await Promise.all(clients.map((client) => client.dispose()));
    await waitFor(gauges, (now) => now.connections === before.connections && now.subscriptions === before.subscriptions && now.listeners === before.listeners, {
      what: 'the subscription gauges to return to where they were',
    });
    // No keep-alive intervals or expiry timers left by the 50 connections (the gateway counts its
    // own: the process-wide count also holds every service's timers on the embedded setup)...
    await waitFor(
      () => gauge('gateway_websocket_timers'),
      (timers) => timers === timersBefore,
      { what: 'connection timers to be cleared' },
    );
    // ...and no sockets.
    const added = await handlesAddedSince(handlesBefore, 5_000);
    expect(added['TCPSocketWrap'] ?? 0).toBeLessThan(5); // a database pool may have grown meanwhile, never by 50
  });
});

describe('limits', () => {
  let limited: Awaited<ReturnType<typeof startGateway>>;
  let limitedUrl: string;
  let orderId: string;

  beforeAll(async () => {
    const urls = Object.fromEntries(Object.values(supergraph.subgraphs).map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, `${subgraph.url}/graphql`]));
    limited = await startGateway(
      loadGatewayConfig({
        ...supergraph.env,
        ...urls,
        HOST: '127.0.0.1',
        PORT: '0',
        JWKS_URL: `${supergraph.subgraphs['accounts']!.url}/.well-known/jwks.json`,
        SUBSCRIPTIONS_MAX_CONNECTIONS: '2',
        SUBSCRIPTIONS_MAX_PER_CONNECTION: '2',
        SUBSCRIPTIONS_MAX_PER_USER: '3',
        SUBSCRIPTIONS_INIT_TIMEOUT_MS: '300',
      }),
      { bus: supergraph.bus },
    );
    limitedUrl = `${limited.url}/graphql`;
    orderId = await place(customer, 5);
  });
  afterAll(() => limited?.stop());

  const refusalCode = (end: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => end.errors?.map((error) => error.extensions?.['code']);

  it('per connection and per user', async () => {
    const first = wsClient(limitedUrl, customer.token);
    const second = wsClient(limitedUrl, customer.token);
    onTestFinished(() => Promise.all([first.dispose(), second.dispose()]).then(() => undefined));
    const open = (client: typeof first) => collect(client, MINIMAL, { id: orderId });

    const [a, b] = [open(first), open(first)];
    await Promise.all([a, b].map((subscription) => subscription.until((results) => results.length === 1)));
    expect(refusalCode(await open(first).ended)).toEqual(['SUBSCRIPTION_LIMIT_REACHED']);
    const c = open(second);
    await c.until((results) => results.length === 1);
    expect(refusalCode(await open(second).ended)).toEqual(['SUBSCRIPTION_LIMIT_REACHED']); // the user's third is the limit

    a.dispose(); // a slot comes free
    await waitFor(
      async () => limited.server.subscriptions.stats().subscriptions,
      (count) => count === 2,
      { what: 'the slot to free' },
    );
    const d = open(second);
    await d.until((results) => results.length === 1);
  });

  it('WebSocket connections (HTTP 503 beyond the limit) and connection_init timeout (4408)', async () => {
    await waitFor(
      async () => limited.server.subscriptions.stats().connections,
      (count) => count === 0,
      { what: "the last test's connections to close" },
    );
    const holders = [wsClient(limitedUrl, customer.token), wsClient(limitedUrl, customer.token)];
    onTestFinished(() => Promise.all(holders.map((client) => client.dispose())).then(() => undefined));
    // A subscription holds each connection open (a lazy client closes when nothing runs on it).
    await Promise.all(holders.map((client) => collect(client, MINIMAL, { id: orderId }).until((results) => results.length === 1)));

    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(wsUrlOf(limitedUrl), 'graphql-transport-ws');
      socket.on('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        socket.terminate();
      });
      socket.on('open', () => reject(new Error('a third connection was accepted')));
      socket.on('error', () => {});
    });
    expect(status).toBe(503);
    await Promise.all(holders.map((client) => client.dispose()));
    await waitFor(
      async () => limited.server.subscriptions.stats().connections,
      (count) => count === 0,
      { what: 'the connections to close' },
    );

    const silent = new WebSocket(wsUrlOf(limitedUrl), 'graphql-transport-ws');
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => silent.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    expect(closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
  });
});
