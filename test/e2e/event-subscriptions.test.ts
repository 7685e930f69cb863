// The subscription fields the subgraphs declare with @event, served by the gateway's one engine with
// no code of their own: notificationAdded (the caller's own notifications, from notifications'
// outbox) and stockChanged(productId) (from inventory's stock events), on every transport
// (graphql-ws, multipart, SSE), each result read through the federated path as its subscriber;
// and cartChanged (the caller's own cart, from the cart's CartChanged events).
// Runs on both infrastructures.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { demoProducts } from '../../prisma/seed-data.ts';
import { graphql } from '../support/graphql-client.ts';
import { readCounter } from '../support/metrics.ts';
import { logInAsAdmin, type Session } from '../support/sessions.ts';
import { placeOrder, signUpCustomer } from '../support/shop-actions.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';
import { waitFor } from '../support/wait-for.ts';
import { TRANSPORTS, subscribeOver, type Transport } from '../support/any-transport.ts';

const NOTIFICATIONS = /* GraphQL */ `
  subscription Mine {
    told: notificationAdded { id kind ...About }
  }
  fragment About on Notification { title order { id status customer { id } } }
`;
interface NotificationData {
  told: { id: string; kind: string; title: string; order: { id: string; status: string; customer: { id: string } } | null };
}
const STOCK = /* GraphQL */ `
  subscription Stock($id: ID!) { stockChanged(productId: $id) { id name inventory { available onHand } } }
`;
interface StockData {
  stockChanged: { id: string; name: string; inventory: { available: number; onHand: number | null } | null };
}

const CART = /* GraphQL */ `
  subscription MyCart { cartChanged { id version itemCount items { quantity product { id name } } } }
`;
interface CartData {
  cartChanged: { id: string; version: number; itemCount: number; items: { quantity: number; product: { id: string; name: string } }[] };
}

let supergraph: TestSupergraph;
let gateway: string;
let admin: Session;
let watcher: Session;

beforeAll(async () => {
  // Each case signs up fresh users: more log-ins than the default budget per address.
  supergraph = await startTestSupergraph({ env: { SUBSCRIPTIONS_MAX_PER_USER: '20', AUTH_RATE_LIMIT_POINTS: '100' } });
  gateway = supergraph.gatewayUrl;
  admin = await logInAsAdmin(gateway);
  watcher = await signUpCustomer(gateway, 'Stock watcher');
});
afterAll(() => supergraph?.stop());

const open = async <TData>(transport: Transport, query: string, variables: Record<string, unknown>, token?: string) => {
  const subscription = await subscribeOver<TData>(transport, gateway, query, variables, token);
  onTestFinished(() => subscription.dispose());
  return subscription;
};
const codes = (errors: readonly { extensions?: Record<string, unknown> }[] | undefined) => errors?.map((error) => error.extensions?.['code']);
const activeSubscriptions = () => readCounter(new URL('/', gateway).toString().replace(/\/$/, ''), 'gateway_subscriptions_active');
const inStock = demoProducts.filter((candidate) => candidate.stock >= 10);
/** What the notification cases order. */
const product = inStock[0]!;
/** Only the stock cases move this one's stock (restocks), so each change they see is theirs. */
const stocked = inStock[1]!;

describe('notificationAdded: the caller’s own notifications', () => {
  it.each(TRANSPORTS)('over %s: each new notification of mine, with federated fields read as me, and never anyone else’s', async (transport) => {
    const [me, someoneElse] = await Promise.all([signUpCustomer(gateway, 'Subscriber'), signUpCustomer(gateway, 'Someone Else')]);
    await waitFor(activeSubscriptions, (count) => count === 0, { what: "earlier tests' subscriptions to end" });
    const mine = await open<NotificationData>(transport, NOTIFICATIONS, {}, me.token);
    const theirs = await open<NotificationData>(transport, NOTIFICATIONS, {}, someoneElse.token);
    // Open once the gateway counts them (no initial result: these watch entities that do not exist yet).
    await waitFor(activeSubscriptions, (count) => count === 2, { what: 'both subscriptions to be open' });

    const myOrder = await placeOrder(gateway, me, [{ productId: product.id, quantity: 1 }]);
    const kinds = (results: readonly { data?: NotificationData | null }[]) => results.map((result) => result.data?.told.kind);
    await mine.until((results) => kinds(results).includes('ORDER_PLACED') && kinds(results).includes('ORDER_CONFIRMED'), 30_000);
    for (const result of mine.results) {
      expect(result.errors).toBeUndefined();
      expect(result.data?.told.order).toMatchObject({ id: myOrder, customer: { id: me.userId } });
      expect(result.extensions?.['event']).toEqual({ id: expect.any(String), kind: result.data?.told.kind, at: expect.any(String) });
    }
    const placed = mine.results.find((result) => result.data?.told.kind === 'ORDER_PLACED')!;
    const read = await graphql<{ notification: { id: string } }>(gateway, `query ($id: ID!) { notification(id: $id) { id } }`, { id: placed.data!.told.id }, { token: me.token });
    expect(read.data?.notification.id).toBe(placed.data!.told.id);

    // The other subscriber's first notification is about their own order, placed after mine: they were sent none of mine.
    const theirOrder = await placeOrder(gateway, someoneElse, [{ productId: product.id, quantity: 1 }]);
    await theirs.until((results) => results.length >= 1, 30_000);
    expect(theirs.results.map((result) => result.data?.told.order?.id)).not.toContain(myOrder);
    expect(theirs.results[0]?.data?.told.order?.id).toBe(theirOrder);
  });

  it('refuses a caller without a token on every transport', async () => {
    const overWs = await open(TRANSPORTS[0], NOTIFICATIONS, {});
    expect(codes((await overWs.ended).errors)).toEqual(['UNAUTHENTICATED']);
    for (const accept of ['multipart/mixed;subscriptionSpec="1.0", application/json', 'text/event-stream']) {
      const response = await fetch(gateway, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify({ query: NOTIFICATIONS }) });
      expect(response.status).toBe(401);
      expect(codes(((await response.json()) as { errors: { extensions: Record<string, unknown> }[] }).errors)).toEqual(['UNAUTHENTICATED']);
    }
  });
});

describe('stockChanged(productId)', () => {
  it.each(TRANSPORTS)('over %s: the product now, then at each change of its stock; admin-only fields per subscriber', async (transport) => {
    const asCustomer = await open<StockData>(transport, STOCK, { id: stocked.id }, watcher.token);
    const asAdmin = await open<StockData>(transport, STOCK, { id: stocked.id }, admin.token);
    const [customerInitial] = await asCustomer.until((results) => results.length === 1);
    const [adminInitial] = await asAdmin.until((results) => results.length === 1);
    expect(customerInitial?.extensions).toEqual({ initial: true });
    expect(adminInitial?.extensions).toEqual({ initial: true });
    // onHand is for admins: the customer gets null and the subgraph's FORBIDDEN, the admin the number.
    expect(customerInitial?.data?.stockChanged).toMatchObject({ id: stocked.id, name: stocked.name, inventory: { onHand: null } });
    expect(codes(customerInitial?.errors)).toEqual(['FORBIDDEN']);
    expect(adminInitial?.errors).toBeUndefined();
    const before = adminInitial!.data!.stockChanged.inventory!;
    expect(before.onHand).toEqual(expect.any(Number));

    const restocked = await graphql<{ restock: { available: number } }>(
      gateway,
      `mutation ($id: ID!) { restock(productId: $id, quantity: 3) { available } }`,
      { id: stocked.id },
      { token: admin.token },
    );
    expect(restocked.errors).toBeUndefined();
    const available = restocked.data!.restock.available;
    expect(available).toBe(before.available + 3);
    const [, customerChange] = await asCustomer.until((results) => results.length === 2, 30_000);
    const [, adminChange] = await asAdmin.until((results) => results.length === 2, 30_000);
    for (const change of [customerChange, adminChange]) {
      expect(change?.extensions?.['event']).toEqual({ id: expect.any(String), available, at: expect.any(String) });
      expect(change?.data?.stockChanged.inventory?.available).toBe(available);
    }
    expect(customerChange?.data?.stockChanged.inventory?.onHand).toBeNull();
    expect(codes(customerChange?.errors)).toEqual(['FORBIDDEN']);
    expect(adminChange?.errors).toBeUndefined();
    expect(adminChange?.data?.stockChanged.inventory?.onHand).toBe(before.onHand! + 3);
  });

  it('refuses an unknown product with what the product query answers', async () => {
    const missing = await open<StockData>(TRANSPORTS[0], STOCK, { id: randomUUID() }, watcher.token);
    const end = await missing.ended;
    expect(codes(end.errors)).toEqual(['NOT_FOUND']);
    expect(missing.results).toEqual([]);
  });
});

describe('cartChanged: the caller’s own cart, across tabs and devices', () => {
  const ADD = `mutation ($id: ID!, $quantity: Int!) { addToCart(productId: $id, quantity: $quantity) { id version } }`;
  it.each(TRANSPORTS)('over %s: a second connection of the same customer sees each change, with federated fields; someone else sees none', async (transport) => {
    const [me, someoneElse] = await Promise.all([signUpCustomer(gateway, 'Two tabs'), signUpCustomer(gateway, 'Another shopper')]);
    await waitFor(activeSubscriptions, (count) => count === 0, { what: "earlier tests' subscriptions to end" });
    const otherTab = await open<CartData>(transport, CART, {}, me.token);
    const theirs = await open<CartData>(transport, CART, {}, someoneElse.token);
    await waitFor(activeSubscriptions, (count) => count === 2, { what: 'both subscriptions to be open' });

    const first = await graphql<{ addToCart: { id: string; version: number } }>(gateway, ADD, { id: product.id, quantity: 2 }, { token: me.token });
    expect(first.errors).toBeUndefined();
    const second = await graphql<{ addToCart: { id: string; version: number } }>(gateway, ADD, { id: stocked.id, quantity: 1 }, { token: me.token });
    expect(second.errors).toBeUndefined();
    const cartId = second.data!.addToCart.id;
    const firstVersion = first.data!.addToCart.version;
    const finalVersion = second.data!.addToCart.version;

    // Each change is one result, in order. Its data is the cart read when its event arrived, so a
    // change that came before that read already shows (the event says which change it was).
    const eventVersions = (seen: readonly { extensions?: Record<string, unknown> }[]) =>
      seen.map((result) => (result.extensions?.['event'] as { version?: number } | undefined)?.version);
    const results = await otherTab.until((seen) => eventVersions(seen).includes(finalVersion), 30_000);
    expect(eventVersions(results)).toEqual([firstVersion, finalVersion]);
    let previous = 0;
    for (const result of results) {
      expect(result.errors).toBeUndefined();
      expect(result.data?.cartChanged.id).toBe(cartId);
      expect(result.extensions?.['event']).toEqual({ id: expect.any(String), version: expect.any(Number), at: expect.any(String) });
      const version = result.data!.cartChanged.version;
      expect(version).toBeGreaterThanOrEqual(eventVersions([result])[0]!);
      expect(version).toBeGreaterThanOrEqual(previous);
      previous = version;
    }
    const last = results.find((result) => result.data?.cartChanged.version === finalVersion)!.data!.cartChanged;
    expect(last.itemCount).toBe(3);
    expect(last.items.map((item) => [item.product.id, item.product.name, item.quantity])).toEqual(
      expect.arrayContaining([
        [product.id, product.name, 2],
        [stocked.id, stocked.name, 1],
      ]),
    );

    // The other customer's first result is about their own cart, changed after mine: none of mine reached them.
    const theirChange = await graphql<{ addToCart: { id: string } }>(gateway, ADD, { id: product.id, quantity: 1 }, { token: someoneElse.token });
    await theirs.until((seen) => seen.length >= 1, 30_000);
    expect(theirs.results.map((result) => result.data?.cartChanged.id)).not.toContain(cartId);
    expect(theirs.results[0]?.data?.cartChanged.id).toBe(theirChange.data!.addToCart.id);
  });

  it('reads a cart by id for its owner and admins only: the query each cartChanged event is read with', async () => {
    const [owner, stranger] = await Promise.all([signUpCustomer(gateway, 'Cart owner'), signUpCustomer(gateway, 'Cart stranger')]);
    const added = await graphql<{ addToCart: { id: string } }>(gateway, ADD, { id: product.id, quantity: 1 }, { token: owner.token });
    const cartId = added.data!.addToCart.id;
    const CART_BY_ID = `query ($id: ID!) { cartById(id: $id) { id itemCount } }`;
    expect((await graphql<{ cartById: { id: string } }>(gateway, CART_BY_ID, { id: cartId }, { token: owner.token })).data?.cartById.id).toBe(cartId);
    expect((await graphql<{ cartById: { id: string } }>(gateway, CART_BY_ID, { id: cartId }, { token: admin.token })).data?.cartById.id).toBe(cartId);
    const refused = await graphql<{ cartById: { id: string } | null }>(gateway, CART_BY_ID, { id: cartId }, { token: stranger.token });
    expect(codes(refused.errors)).toEqual(['NOT_FOUND']);
    expect(refused.data?.cartById ?? null).toBeNull();
    const anonymous = await graphql<{ cartById: { id: string } | null }>(gateway, CART_BY_ID, { id: cartId });
    expect(codes(anonymous.errors)).toEqual(['UNAUTHENTICATED']);
    expect(anonymous.data?.cartById ?? null).toBeNull();
  });
});
