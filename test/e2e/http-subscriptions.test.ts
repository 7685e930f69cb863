// orderStatusChanged over plain HTTP: Apollo's multipart subscription protocol, as Apollo Client sends
// it to the GraphOS Router (parts in order, heartbeats, the closing boundary on a final status, a
// fatal error part when the token expires, refusals as plain JSON, one per-user budget shared with
// the WebSocket transport), and Server-Sent Events as the graphql-sse client speaks them. Runs on
// both infrastructures.
import { randomUUID } from 'node:crypto';
import { createClient as createSseClient, type ExecutionResult } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { demoProducts } from '../../prisma/seed-data.ts';
import { graphql } from '../support/graphql-client.ts';
import { readCounter } from '../support/metrics.ts';
import { logIn, logInAsCustomer, type Session } from '../support/sessions.ts';
import { placeOrder, waitForOrderStatus } from '../support/shop-actions.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';
import { waitFor } from '../support/wait-for.ts';
import { subscribeMultipart, type MultipartPart, type MultipartSubscription } from '../support/multipart.ts';
import { collect, wsClient } from '../support/subscriptions.ts';
import { tokenFromAccountsKey } from '../support/tokens.ts';

const WATCH = /* GraphQL */ `subscription ($id: ID!) { orderStatusChanged(orderId: $id) { id status items { product { name } } } }`;
const HEARTBEAT_MS = 300;

let supergraph: TestSupergraph;
let gateway: string;
let customer: Session;
let stranger: Session;

beforeAll(async () => {
  supergraph = await startTestSupergraph({ env: { SUBSCRIPTIONS_MAX_PER_USER: '2', SUBSCRIPTIONS_KEEPALIVE_MS: String(HEARTBEAT_MS) } });
  gateway = supergraph.gatewayUrl;
  customer = await logInAsCustomer(gateway);
  const email = `stranger-${randomUUID()}@shop.test`;
  await graphql(gateway, `mutation ($input: SignUpInput!) { signUp(input: $input) { token } }`, { input: { email, password: 'stranger password', name: 'Stranger' } });
  stranger = await logIn(gateway, email, 'stranger password');
});
afterAll(() => supergraph?.stop());

type Streaming = Extract<MultipartSubscription, { kind: 'multipart' }>;
const streaming = (subscription: MultipartSubscription): Streaming => {
  if (subscription.kind !== 'multipart') throw new Error(`expected a multipart response, got ${subscription.status} ${JSON.stringify(subscription.body)}`);
  onTestFinished(() => subscription.abort());
  return subscription;
};
const payloads = (parts: readonly MultipartPart[]) => parts.filter((part) => part.payload);
const statusesOf = (parts: readonly MultipartPart[]) => payloads(parts).map((part) => (part.payload?.data as { orderStatusChanged: { status: string } }).orderStatusChanged.status);
const isHeartbeat = (part: MultipartPart) => Object.keys(part).length === 0;
const activeSubscriptions = () => readCounter(new URL('/', gateway).toString().replace(/\/$/, ''), 'gateway_subscriptions_active');

const inStock = demoProducts.filter((product) => product.stock >= 10);
const settledOrder = async (session: Session, productIndex: number) => {
  const id = await placeOrder(gateway, session, [{ productId: inStock[productIndex]!.id, quantity: 1 }]);
  await waitForOrderStatus(gateway, session, id, ['CONFIRMED']);
  return id;
};

describe('orderStatusChanged over multipart HTTP', () => {
  it('streams the current status, then each change, with heartbeats between, and ends with the final one', async () => {
    const id = await settledOrder(customer, 20);
    const subscription = streaming(await subscribeMultipart(gateway, WATCH, { id }, customer.token));
    expect(subscription.status).toBe(200);
    expect(subscription.contentType).toBe('multipart/mixed;boundary="graphql";subscriptionSpec="1.0"');

    const [first] = await subscription.until((parts) => payloads(parts).length === 1);
    // Each part arrives followed by the next delimiter, so a client handles it without waiting for the next part.
    expect(subscription.raw().startsWith('\r\n--graphql\r\ncontent-type: application/json\r\n\r\n{}\r\n--graphql\r\n')).toBe(true);
    expect(subscription.raw()).toMatch(/"initial":true\}\}\}\r\n--graphql(\r\ncontent-type: application\/json\r\n\r\n\{\}\r\n--graphql)*$/);
    expect(isHeartbeat(first!)).toBe(true); // sent at once, before the initial result
    expect(payloads(subscription.parts)[0]?.payload).toEqual({
      data: { orderStatusChanged: { id, status: 'CONFIRMED', items: [{ product: { name: inStock[20]!.name } }] } },
      extensions: { initial: true },
    });
    // Idle: only heartbeats arrive, about one per SUBSCRIPTIONS_KEEPALIVE_MS.
    const idleSince = subscription.parts.length;
    await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS * 3.5));
    const idleParts = subscription.parts.slice(idleSince);
    expect(idleParts.length).toBeGreaterThanOrEqual(2);
    expect(idleParts.every(isHeartbeat)).toBe(true);

    const cancelled = await graphql(gateway, `mutation ($id: ID!) { cancelOrder(id: $id) { status } }`, { id }, { token: customer.token });
    expect(cancelled.errors).toBeUndefined();
    expect(await subscription.ended).toEqual({ terminated: true });
    expect(statusesOf(subscription.parts)).toEqual(['CONFIRMED', 'CANCELLED']);
    const last = payloads(subscription.parts).at(-1)!.payload!;
    expect(last.extensions?.['event']).toMatchObject({ status: 'CANCELLED', previousStatus: 'CONFIRMED' });
    await waitFor(activeSubscriptions, (count) => count === 0, { what: 'the slot to be given back' });
  });

  it('answers refusals as JSON with a code: no token 401, a bad operation 400, a query that accepts only a stream 400, a stranger’s order NOT_FOUND', async () => {
    const id = await settledOrder(customer, 21);
    const anonymous = await subscribeMultipart(gateway, WATCH, { id });
    expect(anonymous).toMatchObject({ kind: 'json', status: 401, body: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });

    const invalid = await subscribeMultipart(gateway, 'subscription { orderStatusChanged(orderId: "x") { id nope } }', {}, customer.token);
    expect(invalid).toMatchObject({ kind: 'json', status: 400, body: { errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] } });

    // A query with this Accept (which also accepts JSON) is not refused: it gets a plain JSON response.
    const query = await subscribeMultipart(gateway, '{ categories { name } }', {}, customer.token);
    expect(query).toMatchObject({ kind: 'json', status: 200 });
    expect((query as { body: { data: { categories: unknown[] } } }).body.data.categories.length).toBeGreaterThan(0);
    // One that accepts nothing but a stream is refused.
    const streamOnly = await fetch(gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec="1.0"', authorization: `Bearer ${customer.token}` },
      body: JSON.stringify({ query: '{ categories { name } }' }),
    });
    expect(streamOnly.status).toBe(400);
    expect(await streamOnly.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });

    const strangers = await subscribeMultipart(gateway, WATCH, { id }, stranger.token);
    expect(strangers).toMatchObject({ kind: 'json', status: 200, body: { data: null, errors: [{ extensions: { code: 'NOT_FOUND' } }] } });
    expect(await activeSubscriptions()).toBe(0);
  });

  it('ends the stream with a fatal error part when the token expires', async () => {
    const id = await settledOrder(customer, 22);
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = await tokenFromAccountsKey(supergraph, { sub: customer.userId, role: 'CUSTOMER', exp });
    const subscription = streaming(await subscribeMultipart(gateway, WATCH, { id }, shortLived));
    await subscription.until((parts) => payloads(parts).length === 1);

    expect(await subscription.ended).toEqual({ terminated: true });
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    expect(subscription.parts.at(-1)).toEqual({
      payload: null,
      errors: [{ message: 'The access token has expired; subscribe again with a new one.', extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' } }],
    });
  });

  it('shares the per-user budget with the WebSocket, and gives a slot back when the client goes away', async () => {
    const id = await settledOrder(customer, 23);
    const ws = wsClient(gateway, customer.token);
    onTestFinished(() => ws.dispose());
    const overWebSocket = collect(ws, WATCH, { id });
    await overWebSocket.until((results) => results.length === 1);
    const overHttp = streaming(await subscribeMultipart(gateway, WATCH, { id }, customer.token));
    await overHttp.until((parts) => payloads(parts).length === 1);

    // SUBSCRIPTIONS_MAX_PER_USER=2: a third is refused on either transport.
    const third = await subscribeMultipart(gateway, WATCH, { id }, customer.token);
    expect(third).toMatchObject({ kind: 'json', status: 429, body: { errors: [{ extensions: { code: 'SUBSCRIPTION_LIMIT_REACHED', limit: 'SUBSCRIPTIONS_MAX_PER_USER' } }] } });
    const thirdOverWebSocket = await collect(ws, WATCH, { id }).ended;
    expect(thirdOverWebSocket.errors?.map((error) => error.extensions?.['code'])).toEqual(['SUBSCRIPTION_LIMIT_REACHED']);

    overHttp.abort();
    await waitFor(activeSubscriptions, (count) => count === 1, { what: 'the aborted stream to give its slot back' });
    const again = streaming(await subscribeMultipart(gateway, WATCH, { id }, customer.token));
    await again.until((parts) => payloads(parts).length === 1);
    expect(statusesOf(again.parts)).toEqual(['CONFIRMED']);
  });
});

describe('orderStatusChanged over Server-Sent Events (graphql-sse, distinct connections)', () => {
  type Result = ExecutionResult<{ orderStatusChanged: { id: string; status: string } }, { initial?: boolean; event?: unknown }>;
  /** Subscribes with the graphql-sse client; resolves with every `next` and how the stream ended. */
  const subscribeSse = (token: string | undefined, query: string, variables: Record<string, unknown>, onResult?: (result: Result) => void) => {
    const client = createSseClient({ url: gateway, singleConnection: false, retryAttempts: 0, headers: token ? { authorization: `Bearer ${token}` } : {} });
    onTestFinished(() => client.dispose());
    const results: Result[] = [];
    const ended = new Promise<{ completed: true } | { error: unknown }>((resolve) => {
      client.subscribe<Result['data'], Result['extensions']>(
        { query, variables },
        {
          next: (result) => {
            results.push(result as Result);
            onResult?.(result as Result);
          },
          error: (error) => resolve({ error }),
          complete: () => resolve({ completed: true }),
        },
      );
    });
    return { results, ended };
  };
  const codesOf = (result: Result | undefined) => result?.errors?.map((error) => error.extensions?.['code']);

  it('streams the current status and each change, and completes after the final one', async () => {
    const id = await settledOrder(customer, 24);
    let cancelled: Promise<unknown> | undefined;
    const { results, ended } = subscribeSse(customer.token, WATCH, { id }, (result) => {
      // Cancelled once the current status has arrived: the change comes as the next event.
      if (result.extensions?.initial) cancelled = graphql(gateway, `mutation ($id: ID!) { cancelOrder(id: $id) { status } }`, { id }, { token: customer.token });
    });
    expect(await ended).toEqual({ completed: true });
    expect((await cancelled) as { errors?: unknown }).toMatchObject({ data: { cancelOrder: { status: 'CANCELLED' } } });
    expect(results.map((result) => result.data?.orderStatusChanged.status)).toEqual(['CONFIRMED', 'CANCELLED']);
    expect(results[1]?.extensions?.event).toMatchObject({ status: 'CANCELLED', previousStatus: 'CONFIRMED' });
    await waitFor(activeSubscriptions, (count) => count === 0, { what: 'the slot to be given back' });
  });

  it('sends operation errors through the stream, as the protocol asks, and refuses a missing token with 401', async () => {
    const id = await settledOrder(customer, 25);
    const invalid = subscribeSse(customer.token, 'subscription { orderStatusChanged(orderId: "x") { id nope } }', {});
    expect(await invalid.ended).toEqual({ completed: true });
    expect(codesOf(invalid.results[0])).toEqual(['GRAPHQL_VALIDATION_FAILED']);

    const strangers = subscribeSse(stranger.token, WATCH, { id });
    expect(await strangers.ended).toEqual({ completed: true });
    expect(strangers.results).toHaveLength(1);
    expect(codesOf(strangers.results[0])).toEqual(['NOT_FOUND']);

    const anonymous = await fetch(gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: WATCH, variables: { id } }),
    });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('ends with an error event when the token expires', async () => {
    const id = await settledOrder(customer, 26);
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = await tokenFromAccountsKey(supergraph, { sub: customer.userId, role: 'CUSTOMER', exp });
    const { results, ended } = subscribeSse(shortLived, WATCH, { id });
    expect(await ended).toEqual({ completed: true });
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    expect(results.map((result) => result.data?.orderStatusChanged.status ?? codesOf(result)?.[0])).toEqual(['CONFIRMED', 'UNAUTHENTICATED']);
    expect(results[1]?.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' });
  });
});
