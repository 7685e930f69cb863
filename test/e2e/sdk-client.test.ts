import { randomUUID } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache, gql as apolloGql } from '@apollo/client';
import { Client as UrqlClient, fetchExchange, gql as urqlGql } from '@urql/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { demoProducts, demoUsers } from '../../prisma/seed-data.ts';
import {
  CancelOrderDocument,
  CategoriesDocument,
  CreateProductDocument,
  DashboardDocument,
  LogInDocument,
  MarkDeliveredDocument,
  MarkNotificationReadDocument,
  MeDocument,
  MyOrdersDocument,
  OrderDocument,
  OrderStatusChangedDocument,
  PlaceOrderDocument,
  ProductDocument,
  ProductsDocument,
  RestockDocument,
  ShipOrderDocument,
  ShopClientError,
  SignUpDocument,
  UpdateProductDocument,
  createShopClient,
  type OrderStatusChangedSubscription,
  type ShopClient,
} from '../../sdk/index.ts';
import { loadGatewayConfig } from '../../gateway/config.ts';
import { startGateway } from '../../gateway/start-gateway.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';
import { waitFor } from '../support/wait-for.ts';

// The client SDK (sdk/) against the running gateway, as a frontend uses it: createShopClient, every
// operation the SDK ships, errors as ShopClientError, and the order-status subscription over
// graphql-ws. Node 20 has no global WebSocket: the `ws` package's is passed in.
//
// Every test runs twice in the same supergraph boot: with the documents' text against its gateway,
// and with persisted ids (queries as GET) against a second gateway on the same subgraphs that runs
// nothing else (PERSISTED_DOCUMENTS=require).

let supergraph: TestSupergraph;
let requiringGateway: Awaited<ReturnType<typeof startGateway>>;
const clients: ShopClient[] = [];

beforeAll(async () => {
  // Both variants sign up about a dozen customers from one address, past the default sign-up budget.
  supergraph = await startTestSupergraph({ env: { AUTH_RATE_LIMIT_POINTS: '100' } });
  const urls = Object.fromEntries(Object.values(supergraph.subgraphs).map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, `${subgraph.url}/graphql`]));
  requiringGateway = await startGateway(
    loadGatewayConfig({
      ...supergraph.env,
      ...urls,
      JWKS_URL: `${supergraph.subgraphs['accounts']!.url}/.well-known/jwks.json`,
      PORT: '0',
      HOST: '127.0.0.1',
      PERSISTED_DOCUMENTS: 'require',
    }),
    { bus: supergraph.bus },
  );
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await requiringGateway?.stop();
  await supergraph?.stop();
});

const variants = [
  { variant: 'sending documents', persisted: false },
  { variant: 'sending persisted ids to a gateway that requires them', persisted: true },
] as const;

describe.each(variants)('the client SDK against the gateway, $variant', ({ persisted }) => {
  let gateway: string;
  beforeAll(() => {
    gateway = persisted ? `${requiringGateway.url}/graphql` : supergraph.gatewayUrl;
  });
  const persistedOption = persisted ? { persisted: { useGetForQueries: true } } : {};

  const clientFor = (token?: string) => {
    const client = createShopClient({ url: gateway, token, webSocketImpl: WebSocket, ...persistedOption });
    clients.push(client);
    return client;
  };

  async function signedUpCustomer(name: string): Promise<{ client: ShopClient; userId: string; token: string }> {
    const client = clientFor();
    const { signUp } = await client.request(SignUpDocument, { input: { email: `sdk-${randomUUID()}@shop.test`, password: 'an sdk password', name } });
    client.setToken(signUp.token);
    return { client, userId: signUp.user.id, token: signUp.token };
  }

  async function adminClient(): Promise<ShopClient> {
    const admin = demoUsers.find((user) => user.role === 'ADMIN')!;
    const client = clientFor();
    const { logIn } = await client.request(LogInDocument, { input: { email: admin.email, password: admin.password } });
    expect(logIn.user.role).toBe('ADMIN');
    client.setToken(() => logIn.token);
    return client;
  }

  const statusOf = async (client: ShopClient, id: string) => (await client.request(OrderDocument, { id })).order?.status;

  it('browses the catalog anonymously: categories, a page of products, a product page', async () => {
    const client = clientFor();
    const { categories } = await client.request(CategoriesDocument);
    expect(categories.length).toBeGreaterThan(0);
    expect(categories.every((category) => category.id && category.slug && category.name)).toBe(true);

    const { products } = await client.request(ProductsDocument, { first: 3, filter: { categorySlug: 'tea' }, orderBy: 'PRICE_ASC' });
    expect(products.edges).toHaveLength(3);
    expect(products.pageInfo.hasNextPage).toBe(true);
    expect(products.edges.every(({ node }) => node.category.slug === 'tea')).toBe(true);
    const prices = products.edges.map(({ node }) => node.price.amount);
    expect([...prices].sort((a, b) => a - b)).toEqual(prices);

    const summary = products.edges[0]!.node;
    const seeded = demoProducts.find((product) => product.id === summary.id)!;
    const { product } = await client.request(ProductDocument, { id: summary.id });
    expect(product).toEqual({ ...summary, description: seeded.description, createdAt: expect.any(String) });
    expect(await client.request(ProductDocument, { id: 'not-a-product' })).toEqual({ product: null });
  });

  it('signs up and logs in; the token then identifies the caller', async () => {
    const anonymous = clientFor();
    expect(await anonymous.request(MeDocument)).toEqual({ me: null });
    const email = `sdk-${randomUUID()}@shop.test`;
    const { signUp } = await anonymous.request(SignUpDocument, { input: { email, password: 'an sdk password', name: 'Sam SDK' } });
    const { logIn } = await anonymous.request(LogInDocument, { input: { email, password: 'an sdk password' } });
    expect(logIn.user.id).toBe(signUp.user.id);
    anonymous.setToken(logIn.token);
    expect(await anonymous.request(MeDocument)).toEqual({ me: { id: signUp.user.id, name: 'Sam SDK', email, role: 'CUSTOMER' } });
  });

  it('rejects with a ShopClientError carrying the codes; execute resolves with them instead', async () => {
    const anonymous = clientFor();
    const variables = { input: { items: [{ productId: demoProducts[0]!.id, quantity: 1 }], paymentToken: 'tok_visa' }, idempotencyKey: randomUUID() };
    const error: unknown = await anonymous.request(PlaceOrderDocument, variables).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ShopClientError);
    expect((error as ShopClientError).codes).toEqual(['UNAUTHENTICATED']);
    const result = await anonymous.execute(PlaceOrderDocument, variables);
    expect(result.data).toBeNull();
    expect(result.errors?.map((entry) => entry.extensions?.['code'])).toEqual(['UNAUTHENTICATED']);

    const { client: customer } = await signedUpCustomer('Fay Forbidden');
    const forbidden: unknown = await customer.request(RestockDocument, { productId: demoProducts[0]!.id, quantity: 1 }).catch((caught: unknown) => caught);
    expect((forbidden as ShopClientError).codes).toEqual(['FORBIDDEN']);
  });

  it('follows an order by subscription from placing to delivery; the dashboard and notifications show it', async () => {
    const { client: customer, userId } = await signedUpCustomer('Sue Subscriber');
    const admin = await adminClient();
    const product = demoProducts[30]!;
    const { placeOrder } = await customer.request(PlaceOrderDocument, {
      input: { items: [{ productId: product.id, quantity: 1 }], paymentToken: 'tok_visa' },
      idempotencyKey: randomUUID(),
    });
    expect(placeOrder).toMatchObject({ status: 'PENDING', total: { amount: product.priceAmount, currency: 'USD' } });

    const seen: OrderStatusChangedSubscription['orderStatusChanged'][] = [];
    const subscription = (async () => {
      for await (const result of customer.iterate(OrderStatusChangedDocument, { orderId: placeOrder.id })) {
        expect(result.errors).toBeUndefined();
        seen.push(result.data!.orderStatusChanged);
      }
    })();
    await waitFor(
      async () => seen.at(-1)?.status,
      (status) => status === 'CONFIRMED',
      { what: 'CONFIRMED over the subscription', timeoutMs: 25_000 },
    );

    // Shipping learns of the confirmation by message: until then the order is not shippable.
    const shipped = await waitFor(
      () => admin.execute(ShipOrderDocument, { orderId: placeOrder.id, carrier: 'UPS' }),
      (result) => !result.errors?.some((error) => error.extensions?.['code'] === 'ORDER_NOT_SHIPPABLE'),
      { what: 'shipping to ship the order' },
    );
    expect(shipped.errors).toBeUndefined();
    const shipment = shipped.data!.shipOrder;
    expect(shipment).toMatchObject({ status: 'SHIPPED', carrier: 'UPS', trackingNumber: expect.stringMatching(/^UPS-/) });
    await waitFor(
      async () => seen.at(-1)?.status,
      (status) => status === 'SHIPPED',
      { what: 'SHIPPED over the subscription' },
    );
    const { markDelivered } = await admin.request(MarkDeliveredDocument, { shipmentId: shipment.id });
    expect(markDelivered.status).toBe('DELIVERED');

    // DELIVERED is the last change: the subscription completes and the loop ends.
    await subscription;
    const statuses = seen.map((order) => order.status);
    expect([
      ['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED'],
      ['CONFIRMED', 'SHIPPED', 'DELIVERED'],
    ]).toContainEqual(statuses);
    expect(seen.at(-1)).toMatchObject({
      id: placeOrder.id,
      payment: { status: 'CAPTURED' },
      shipment: { status: 'DELIVERED', carrier: 'UPS', trackingNumber: shipment.trackingNumber },
    });

    const { order } = await customer.request(OrderDocument, { id: placeOrder.id });
    expect(order).toMatchObject({ status: 'DELIVERED', payment: { status: 'CAPTURED', cardLast4: '4242' }, shipment: { status: 'DELIVERED' } });
    expect(order!.statusHistory.map((change) => change.status)).toEqual(['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED']);
    const { me: mine } = await customer.request(MyOrdersDocument, { first: 10 });
    expect(mine?.orders?.edges.map(({ node }) => [node.id, node.status])).toEqual([[placeOrder.id, 'DELIVERED']]);

    const dashboard = await waitFor(
      () => customer.request(DashboardDocument),
      ({ me }) => (me?.notifications?.edges ?? []).some(({ node }) => node.kind === 'ORDER_DELIVERED'),
      { what: 'the delivery notification' },
    );
    const me = dashboard.me!;
    expect(me).toMatchObject({ id: userId, name: 'Sue Subscriber', orders: { totalCount: 1 } });
    expect(me.orders!.edges[0]!.node).toMatchObject({
      id: placeOrder.id,
      status: 'DELIVERED',
      items: [{ quantity: 1, productName: product.name, product: { id: product.id, name: product.name } }],
      shipment: { status: 'DELIVERED', carrier: 'UPS', trackingNumber: shipment.trackingNumber },
    });
    const unread = me.notifications!.edges.filter(({ node }) => !node.read);
    expect(me.unreadNotificationCount).toBe(unread.length);

    const first = unread[0]!.node;
    const { markNotificationRead } = await customer.request(MarkNotificationReadDocument, { id: first.id });
    expect(markNotificationRead).toMatchObject({ id: first.id, read: true, readAt: expect.any(String) });
    expect((await customer.request(DashboardDocument)).me?.unreadNotificationCount).toBe(unread.length - 1);
  });

  it('delivers a cancellation to a subscriber, then completes', async () => {
    const { client: customer } = await signedUpCustomer('Cal Canceller');
    const { placeOrder } = await customer.request(PlaceOrderDocument, {
      input: { items: [{ productId: demoProducts[31]!.id, quantity: 1 }], paymentToken: 'tok_visa' },
      idempotencyKey: randomUUID(),
    });
    await waitFor(
      () => statusOf(customer, placeOrder.id),
      (status) => status === 'CONFIRMED',
      { what: 'the order to be confirmed' },
    );

    const results: (string | undefined)[] = [];
    const completed = new Promise<void>((resolve, reject) => {
      customer.subscribe(
        OrderStatusChangedDocument,
        { orderId: placeOrder.id },
        {
          next: (result) => results.push(result.data?.orderStatusChanged.status),
          error: reject,
          complete: resolve,
        },
      );
    });
    await waitFor(
      async () => results.length,
      (count) => count === 1,
      { what: 'the current status' },
    );
    const { cancelOrder } = await customer.request(CancelOrderDocument, { id: placeOrder.id });
    expect(cancelOrder).toMatchObject({ id: placeOrder.id, status: 'CANCELLED' });
    await completed;
    expect(results).toEqual(['CONFIRMED', 'CANCELLED']);
  });

  it('subscribes over HTTP (multipart) too: iterate to the final status; a refusal is a ShopClientError', async () => {
    const { client: customer, token } = await signedUpCustomer('Hattie Http');
    const overHttp = createShopClient({ url: gateway, token, subscriptionTransport: 'http', ...persistedOption });
    clients.push(overHttp);
    const { placeOrder } = await customer.request(PlaceOrderDocument, {
      input: { items: [{ productId: demoProducts[32]!.id, quantity: 1 }], paymentToken: 'tok_visa' },
      idempotencyKey: randomUUID(),
    });
    await waitFor(
      () => statusOf(customer, placeOrder.id),
      (status) => status === 'CONFIRMED',
      { what: 'the order to be confirmed' },
    );

    const seen: (string | undefined)[] = [];
    for await (const result of overHttp.iterate(OrderStatusChangedDocument, { orderId: placeOrder.id })) {
      expect(result.errors).toBeUndefined();
      seen.push(result.data?.orderStatusChanged.status);
      if (seen.length === 1) await customer.request(CancelOrderDocument, { id: placeOrder.id });
    }
    expect(seen).toEqual(['CONFIRMED', 'CANCELLED']); // and the loop ended: the stream completed

    const stranger = createShopClient({ url: gateway, token: (await signedUpCustomer('Stan Stranger')).token, subscriptionTransport: 'http', ...persistedOption });
    const refused = await new Promise<unknown>((resolve) => {
      stranger.subscribe(OrderStatusChangedDocument, { orderId: placeOrder.id }, { next: () => resolve('a result'), error: resolve, complete: () => resolve('completed') });
    });
    expect(refused).toBeInstanceOf(ShopClientError);
    expect((refused as ShopClientError).codes).toEqual(['NOT_FOUND']);
  });

  it('lets an admin create, update and restock a product', async () => {
    const admin = await adminClient();
    const sku = `SDK-${randomUUID().slice(0, 8)}`;
    const category = demoProducts[0]!.categoryId;
    const { createProduct } = await admin.request(CreateProductDocument, {
      input: { sku, name: 'SDK Kettle', description: 'Boils water.', priceAmount: 2599, categoryId: category },
    });
    expect(createProduct).toMatchObject({ sku, name: 'SDK Kettle', price: { amount: 2599, currency: 'USD' }, category: { id: category }, inStock: false });

    const { updateProduct } = await admin.request(UpdateProductDocument, { id: createProduct.id, input: { priceAmount: 1999, name: 'SDK Kettle II' } });
    expect(updateProduct).toMatchObject({ id: createProduct.id, name: 'SDK Kettle II', price: { amount: 1999, currency: 'USD' } });

    const { restock } = await admin.request(RestockDocument, { productId: createProduct.id, quantity: 5 });
    expect(restock).toEqual({ available: 5, reserved: 0, onHand: 5 });
    const { product } = await clientFor().request(ProductDocument, { id: createProduct.id });
    expect(product).toMatchObject({ name: 'SDK Kettle II', inventory: { available: 5, reserved: 0 }, inStock: true });
  });
});

// Clients nobody here wrote, with their defaults: what a storefront built on them sends.
describe('urql and Apollo Client against the gateway', () => {
  const demoCustomer = demoUsers.find((user) => user.role === 'CUSTOMER')!;
  const LOG_IN = /* GraphQL */ `mutation ($input: LogInInput!) { logIn(input: $input) { token user { id } } }`;
  const sent: { method: string; accept: string | null }[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    sent.push({ method: init?.method ?? 'GET', accept: new Headers(init?.headers).get('accept') });
    return fetch(input, init);
  };

  it('urql: a query (its default GET), logIn (a POST whose Accept lists text/event-stream), a signed-in query by GET and by POST', async () => {
    sent.length = 0;
    const anonymous = new UrqlClient({ url: supergraph.gatewayUrl, exchanges: [fetchExchange], fetch: recordingFetch, requestPolicy: 'network-only' });
    const categories = await anonymous.query<{ categories: { name: string }[] }>(urqlGql`{ categories { name } }`, {}).toPromise();
    expect(categories.error).toBeUndefined();
    expect(categories.data?.categories.length).toBeGreaterThan(0);

    const logIn = await anonymous
      .mutation<{ logIn: { token: string; user: { id: string } } }>(urqlGql(LOG_IN), { input: { email: demoCustomer.email, password: demoCustomer.password } })
      .toPromise();
    expect(logIn.error).toBeUndefined();
    const token = logIn.data!.logIn.token;
    expect(sent.map((request) => request.method)).toEqual(['GET', 'POST']);
    expect(sent[1]?.accept).toMatch(/application\/graphql-response\+json.*text\/event-stream/);

    for (const preferGetMethod of ['within-url-limit', false] as const) {
      const signedIn = new UrqlClient({
        url: supergraph.gatewayUrl,
        exchanges: [fetchExchange],
        preferGetMethod,
        requestPolicy: 'network-only',
        fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
      });
      const me = await signedIn.query<{ me: { id: string; email: string } }>(urqlGql`{ me { id email } }`, {}).toPromise();
      expect(me.error, `preferGetMethod ${String(preferGetMethod)}`).toBeUndefined();
      expect(me.data?.me).toEqual({ id: logIn.data!.logIn.user.id, email: demoCustomer.email });
    }
  });

  it('Apollo Client 4: a query and logIn over POST, and a query over GET', async () => {
    const client = new ApolloClient({ link: new HttpLink({ uri: supergraph.gatewayUrl, fetch: recordingFetch }), cache: new InMemoryCache() });
    const categories = await client.query<{ categories: { id: string; name: string }[] }>({ query: apolloGql`{ categories { id name } }`, fetchPolicy: 'network-only' });
    expect(categories.error).toBeUndefined();
    expect(categories.data?.categories.length).toBeGreaterThan(0);
    const logIn = await client.mutate<{ logIn: { token: string; user: { id: string } } }>({
      mutation: apolloGql(LOG_IN),
      variables: { input: { email: demoCustomer.email, password: demoCustomer.password } },
    });
    expect(logIn.error).toBeUndefined();
    expect(logIn.data?.logIn.token).toMatch(/^ey/);

    sent.length = 0;
    const token = logIn.data!.logIn.token;
    const overGet = new ApolloClient({
      link: new HttpLink({ uri: supergraph.gatewayUrl, fetch: recordingFetch, useGETForQueries: true, headers: { authorization: `Bearer ${token}` } }),
      cache: new InMemoryCache(),
    });
    const me = await overGet.query<{ me: { id: string } }>({ query: apolloGql`{ me { id } }`, fetchPolicy: 'network-only' });
    expect(me.error).toBeUndefined();
    expect(me.data?.me.id).toBe(logIn.data!.logIn.user.id);
    expect(sent.map((request) => request.method)).toEqual(['GET']);
  });
});
