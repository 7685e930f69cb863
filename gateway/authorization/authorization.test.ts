// @authenticated, @requiresScopes and @policy at the gateway, over mock subgraphs: each directive
// and mode, every shape of the same request (alias, named fragment, inline fragment on an abstract
// type, variables with @include/@skip, GET), null propagation, subscriptions over the three
// transports, and what the subgraphs received (an unauthorized field is never fetched). The gateway
// refuses with shield's codes (UNAUTHENTICATED anonymous, FORBIDDEN signed in), `deniedBy: "gateway"`.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_DEFAULTS } from '../../common/auth-defaults.ts';
import { createLogger } from '../../common/logger.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import { createMetrics } from '../../common/metrics.ts';
import { TRANSPORTS, subscribeOver } from '../../test/support/any-transport.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';
import { loadGatewayConfig } from '../config.ts';
import { createGatewayServer, type GatewayServer } from '../server.ts';
import { graphqlRuntime } from '../graphql-runtime.ts';
import type { HotReloadFeature } from '../supergraph/hot-reload.ts';

const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@authenticated", "@requiresScopes", "@policy", "@composeDirective"])`;
const EVENT = `@link(url: "https://commerce-supergraph.dev/event/v0.1", import: ["@event"]) @composeDirective(name: "@event")
  directive @event(topic: String!, entityKey: String!, query: String!, queryArg: String!, matchArgument: String, matchSubscriber: String,
    state: String, stateOrder: [String!], completeOn: [String!], eventFields: [String!]) on FIELD_DEFINITION`;
const SUBGRAPHS = {
  catalog: `${LINK}
    type Query {
      products: [Product!]
      product(id: ID!): Product
      node(id: ID!): Node
      secretNote: String @authenticated
      audit: String @policy(policies: [["notAudit"]])
    }
    type Mutation { createProduct(name: String!): Product @requiresScopes(scopes: [["catalog:write"]]) rename(name: String!): String }
    interface Node { id: ID! }
    type Product implements Node @key(fields: "id") {
      id: ID!
      name: String!
      cost: Float @requiresScopes(scopes: [["catalog:write"], ["finance", "read"]])
      supplier: Supplier
    }
    type Category implements Node { id: ID! title: String }
    type Supplier @authenticated { id: ID! name: String }`,
  orders: `${LINK} ${EVENT}
    type Query { order(id: ID!): Order }
    type Product @key(fields: "id") { id: ID! ownerNotes: String! @policy(policies: [["ownerOnly"]]) }
    type Order @key(fields: "id") { id: ID! total: Float internalMargin: Float @requiresScopes(scopes: [["finance"]]) }
    type Subscription {
      orderChanged(orderId: ID!): Order! @event(topic: "t.order", entityKey: "orderId", query: "order", queryArg: "id", matchArgument: "orderId")
      auditTrail(orderId: ID!): Order! @requiresScopes(scopes: [["finance"]]) @event(topic: "t.audit", entityKey: "orderId", query: "order", queryArg: "id", matchArgument: "orderId")
    }`,
};

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

let mocks: MockSubgraphs;
let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let keySet: ReturnType<typeof createLocalJWKSet>;
const kid = randomUUID();
const bus = createInProcessBus({ log: createLogger('test', 'silent') });
const servers: GatewayServer[] = [];
let supergraphSdl: string;
let filterUrl: string;
let rejectUrl: string;
const POLICY_MODULE = resolve(import.meta.dirname, 'fixtures/policies.ts');

const tokenFor = (sub: string, scopes: readonly string[] = [], role = 'CUSTOMER') =>
  new SignJWT({ role, scope: scopes.join(' ') })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setSubject(sub)
    .setIssuer(JWT_DEFAULTS.issuer)
    .setAudience(JWT_DEFAULTS.audience)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(signingKey);

const envFor = (extra: Record<string, string>) => ({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_ENABLED: 'false',
  SUPERGRAPH_WATCH: 'false',
  GATEWAY_POLICY_MODULE: POLICY_MODULE,
  ...Object.fromEntries(mocks.subgraphs.map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, subgraph.url])),
  ...extra,
});

async function startGateway(extra: Record<string, string>, sdl = supergraphSdl): Promise<string> {
  const server = createGatewayServer({
    config: loadGatewayConfig(envFor(extra)),
    supergraphSdl: sdl,
    log: createLogger('gateway', 'silent'),
    metrics: createMetrics('gateway'),
    keySet,
    bus,
  });
  // A gateway that did not start is not stopped (its HTTP server never listened).
  const url = `${await server.listen(0, '127.0.0.1')}/graphql`;
  servers.push(server);
  return url;
}

/** The supergraph of `schemas` over the mocks. */
function compose(schemas: Readonly<Record<string, string>>): string {
  const urls = Object.fromEntries(mocks.subgraphs.map((subgraph) => [subgraph.name, subgraph.url]));
  const composed = composeServices(Object.entries(schemas).map(([name, sdl]) => ({ name, url: urls[name]!, typeDefs: graphqlRuntime.parse(sdl) })));
  if (!composed.supergraphSdl) throw new Error(`does not compose: ${String(composed.errors)}`);
  return composed.supergraphSdl;
}

beforeAll(async () => {
  mocks = await startMockSubgraphs(SUBGRAPHS);
  supergraphSdl = compose(SUBGRAPHS);
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  signingKey = privateKey;
  keySet = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256' } as JWK] });
  filterUrl = await startGateway({});
  rejectUrl = await startGateway({ GATEWAY_AUTHORIZATION: 'reject' });
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await mocks?.stop();
  await bus.close();
});

async function post(
  url: string,
  query: string,
  options: { token?: string; variables?: Record<string, unknown>; operationName?: string } = {},
): Promise<{ status: number; body: Body }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
    body: JSON.stringify({ query, variables: options.variables ?? {}, ...(options.operationName ? { operationName: options.operationName } : {}) }),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

const clearReceived = () => mocks.received.forEach((bodies) => (bodies.length = 0));
/** Every field name a subgraph was asked for, over every request it received since the last clear. */
const asked = (subgraph: string): string => mocks.received.get(subgraph)!.join('\n');
/** The gateway's refusals: shield's codes (UNAUTHENTICATED anonymous, FORBIDDEN signed in), marked `deniedBy: "gateway"`. */
const deniedByGateway = (error: NonNullable<Body['errors']>[number]) =>
  error.extensions?.['deniedBy'] === 'gateway' && ['UNAUTHENTICATED', 'FORBIDDEN'].includes(String(error.extensions['code']));
const unauthorizedPaths = (body: Body) =>
  (body.errors ?? [])
    .filter(deniedByGateway)
    .map((error) => error.path?.join('.'))
    .sort();
const otherErrors = (body: Body) => (body.errors ?? []).filter((error) => !deniedByGateway(error));

describe('filter mode (the default)', () => {
  it('answers an unauthorized field null with an error at each of its paths, and never fetches it', async () => {
    clearReceived();
    const { status, body } = await post(filterUrl, '{ products { id name cost } secretNote }');
    expect(status).toBe(200);
    expect(otherErrors(body)).toEqual([]);
    const products = body.data!['products'] as { id: string; name: string; cost: unknown }[];
    expect(products.length).toBeGreaterThan(0);
    for (const product of products) {
      expect(product.cost).toBeNull();
      expect(typeof product.name).toBe('string');
      expect(Object.keys(product)).toEqual(['id', 'name', 'cost']);
    }
    expect(body.data!['secretNote']).toBeNull();
    expect(unauthorizedPaths(body)).toEqual([...products.map((_, index) => `products.${index}.cost`), 'secretNote'].sort());
    expect(asked('catalog')).toContain('products');
    expect(asked('catalog')).not.toMatch(/\bcost\b|secretNote/);
    // The gateway's own selections never reach the client.
    expect(JSON.stringify(body)).not.toContain('_authz');
  });

  it('lets through what the token allows: a scope set of an OR, an AND of two scopes, a signed-in viewer', async () => {
    for (const scopes of [['catalog:write'], ['finance', 'read']]) {
      const { body } = await post(filterUrl, '{ products { id cost } secretNote }', { token: await tokenFor('u1', scopes) });
      expect(body.errors).toBeUndefined();
      expect((body.data!['products'] as { cost: unknown }[]).every((product) => typeof product.cost === 'number')).toBe(true);
      expect(typeof body.data!['secretNote']).toBe('string');
    }
    // One scope of an AND set is not enough.
    const { body } = await post(filterUrl, '{ products { id cost } }', { token: await tokenFor('u1', ['finance']) });
    expect(unauthorizedPaths(body).length).toBeGreaterThan(0);
  });

  it('answers every shape of the same request alike: alias, named fragment, inline fragment, variables with @include/@skip, GET', async () => {
    const token = await tokenFor('u1');
    const shapes: { query: string; variables?: Record<string, unknown>; key: string }[] = [
      { query: '{ products { id cost } }', key: 'products' },
      { query: '{ all: products { id price: cost } }', key: 'all' },
      { query: '{ products { ...P } } fragment P on Product { id cost }', key: 'products' },
      { query: '{ products { ... on Product { id cost } } }', key: 'products' },
      { query: 'query Q($with: Boolean!) { products { id cost @include(if: $with) } }', variables: { with: true }, key: 'products' },
      { query: 'query Q($without: Boolean!) { products { id ... @skip(if: $without) { cost } } }', variables: { without: false }, key: 'products' },
    ];
    for (const { query, variables, key } of shapes) {
      clearReceived();
      const { body } = await post(filterUrl, query, { token, ...(variables ? { variables } : {}) });
      const products = body.data![key] as Record<string, unknown>[];
      expect(products.length, query).toBeGreaterThan(0);
      expect(
        products.every((product) => Object.values(product).filter((value) => value === null).length === 1),
        query,
      ).toBe(true);
      expect(unauthorizedPaths(body), query).toEqual(products.map((_, index) => `${key}.${index}.${key === 'all' ? 'price' : 'cost'}`).sort());
      expect(asked('catalog'), query).not.toMatch(/\bcost\b/);
    }
    // Left out by @include/@skip: no error, nothing fetched.
    const skipped = await post(filterUrl, 'query Q($with: Boolean!) { products { id cost @include(if: $with) } }', { token, variables: { with: false } });
    expect(skipped.body.errors).toBeUndefined();
    const get = await fetch(`${filterUrl}?query=${encodeURIComponent('{ products { id cost } }')}`, {
      headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
    });
    const getBody = (await get.json()) as Body;
    expect(unauthorizedPaths(getBody).length).toBe((getBody.data!['products'] as unknown[]).length);
  });

  it('delivers a filtered operation with @defer in one response, completed (its deferred part inline)', async () => {
    clearReceived();
    const response = await fetch(filterUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;deferSpec=20220824, application/json' },
      body: JSON.stringify({ query: '{ products { id ... @defer { name cost } } }' }),
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    const body = (await response.json()) as Body;
    const products = body.data!['products'] as Record<string, unknown>[];
    expect(products.every((product) => product['cost'] === null && typeof product['name'] === 'string' && !('_authzTypename' in product))).toBe(true);
    expect(unauthorizedPaths(body)).toEqual(products.map((_, index) => `products.${index}.cost`).sort());
    expect(asked('catalog')).not.toMatch(/\bcost\b/);
  });

  it('checks a field on an interface through each implementation, and a type-level @authenticated wherever the type is returned', async () => {
    for (let index = 0; index < 6; index += 1) {
      const { body } = await post(filterUrl, `{ node(id: "n${index}") { __typename id ... on Product { cost supplier { id } } ... on Category { title } } }`);
      const node = body.data!['node'] as Record<string, unknown> | null;
      if (node?.['__typename'] === 'Product') {
        expect(node['cost']).toBeNull();
        expect(node['supplier']).toBeNull();
        expect(unauthorizedPaths(body)).toEqual(['node.cost', 'node.supplier']);
      } else {
        expect(body.errors).toBeUndefined();
        expect(Object.keys(node ?? {})).not.toContain('cost');
      }
    }
  });

  it('propagates null from a removed non-null field to the nearest nullable parent', async () => {
    clearReceived();
    const { body } = await post(filterUrl, '{ products { id ownerNotes } product(id: "p1") { id name } }', { token: await tokenFor('someone') });
    expect(body.data!['products']).toBeNull();
    expect((body.data!['product'] as { id: string }).id).toBeTruthy();
    expect(unauthorizedPaths(body).length).toBeGreaterThan(0);
    expect(unauthorizedPaths(body).every((path) => /^products\.\d+\.ownerNotes$/.test(path!))).toBe(true);
    expect(asked('orders')).not.toContain('ownerNotes');
    // The policy passes for its owner.
    const owner = await post(filterUrl, '{ products { id ownerNotes } }', { token: await tokenFor('owner') });
    expect(owner.body.errors).toBeUndefined();
  });

  it('evaluates a policy with the operation (asynchronously)', async () => {
    const audited = await post(filterUrl, 'query Audit { audit }', { operationName: 'Audit' });
    expect(audited.body.data).toEqual({ audit: null });
    expect(unauthorizedPaths(audited.body)).toEqual(['audit']);
    const other = await post(filterUrl, 'query Report { audit }');
    expect(typeof other.body.data!['audit']).toBe('string');
  });

  it('answers an operation with nothing left without any subgraph fetch, and a refused mutation field without running it', async () => {
    clearReceived();
    const { body } = await post(filterUrl, '{ secretNote }');
    expect(body.data).toEqual({ secretNote: null });
    expect(unauthorizedPaths(body)).toEqual(['secretNote']);
    expect(mocks.received.get('catalog')).toEqual([]);
    const mutation = await post(filterUrl, 'mutation M($name: String!) { createProduct(name: $name) { id } rename(name: "x") }', {
      variables: { name: 'x' },
      token: await tokenFor('u1'),
    });
    expect(mutation.body.data!['createProduct']).toBeNull();
    expect(typeof mutation.body.data!['rename']).toBe('string');
    expect(unauthorizedPaths(mutation.body)).toEqual(['createProduct']);
    expect(asked('catalog')).not.toContain('createProduct');
  });
});

describe('reject mode', () => {
  it('refuses the whole operation (401 anonymous, 403 signed in) and fetches nothing; an authorized or skipped one runs', async () => {
    clearReceived();
    const { status, body } = await post(rejectUrl, '{ products { id cost } }');
    expect(status).toBe(401);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', deniedBy: 'gateway', paths: [['products', 'cost']] });
    const signedIn = await post(rejectUrl, '{ products { id cost } }', { token: await tokenFor('u1') });
    expect(signedIn.status).toBe(403);
    expect(signedIn.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', deniedBy: 'gateway', paths: [['products', 'cost']] });
    expect([...mocks.received.values()].flat()).toEqual([]);
    const allowed = await post(rejectUrl, '{ products { id cost } }', { token: await tokenFor('u1', ['catalog:write']) });
    expect(allowed.body.errors).toBeUndefined();
    const skipped = await post(rejectUrl, 'query Q($with: Boolean!) { products { id cost @include(if: $with) } }', { variables: { with: false } });
    expect(skipped.status).toBe(200);
    expect(skipped.body.errors).toBeUndefined();
  });
});

describe('subscriptions', () => {
  it.each(TRANSPORTS)('over %s: a subscription field the token does not allow is refused; an allowed one filters its fields', async (transport) => {
    const customer = await tokenFor('u1');
    const refused = await subscribeOver(transport, filterUrl, 'subscription S($id: ID!) { auditTrail(orderId: $id) { id } }', { id: 'o1' }, customer);
    const end = await refused.ended;
    refused.dispose();
    // graphql-sse's client reports a refused stream by its status alone.
    if (transport === 'sse') expect(end.errors?.[0]?.message).toContain('403');
    else expect(end.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', deniedBy: 'gateway' });

    clearReceived();
    const allowed = await subscribeOver(transport, filterUrl, 'subscription S($id: ID!) { orderChanged(orderId: $id) { id total internalMargin } }', { id: 'o1' }, customer);
    const [first] = await allowed.until((results) => results.length > 0);
    allowed.dispose();
    const order = (first!.data as { orderChanged: Record<string, unknown> }).orderChanged;
    expect(order['internalMargin']).toBeNull();
    expect(typeof order['total']).toBe('number');
    expect(first!.errors?.map((error) => [error.path?.join('.'), error.extensions?.['code'], error.extensions?.['deniedBy']])).toEqual([
      ['orderChanged.internalMargin', 'FORBIDDEN', 'gateway'],
    ]);
    expect(asked('orders')).not.toContain('internalMargin');
  });
});

describe('start and reload', () => {
  it('refuses to start when the supergraph names a policy with no evaluator, naming it', async () => {
    await expect(startGateway({ GATEWAY_POLICY_MODULE: resolve(import.meta.dirname, 'fixtures/no-policies.ts') })).rejects.toThrow(/ownerOnly/);
  });

  it('refuses a reload to a supergraph naming a policy with no evaluator, and serves one whose policies all have one', async () => {
    const url = await startGateway({});
    const server = servers.at(-1)!;
    const hotReload = server.features.find((feature) => feature.name === 'hot-reload') as HotReloadFeature;
    const withPolicy = (policy: string) =>
      compose({ ...SUBGRAPHS, catalog: SUBGRAPHS.catalog.replace('secretNote: String @authenticated', `secretNote: String @policy(policies: [["${policy}"]])`) });
    expect(await hotReload.reload.offer(withPolicy('nobodyEvaluates'), 'test')).toBe('refused');
    expect((await post(url, '{ secretNote }')).body.data).toEqual({ secretNote: null });
    expect(await hotReload.reload.offer(withPolicy('notAudit'), 'test')).toBe('applied');
    // Now a policy decides, not a sign-in: anonymous passes, except for an operation named Audit.
    expect(typeof (await post(url, 'query Report { secretNote }')).body.data!['secretNote']).toBe('string');
    const audit = await post(url, 'query Audit { secretNote }');
    expect(unauthorizedPaths(audit.body)).toEqual(['secretNote']);
  });

  it('with GATEWAY_AUTHORIZATION=off, refuses a supergraph that links the specs for SECURITY', async () => {
    await expect(startGateway({ GATEWAY_AUTHORIZATION: 'off' })).rejects.toThrow(/SECURITY/);
  });
});
