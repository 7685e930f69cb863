// Header propagation by rule, from the outside: a real gateway over two real subgraphs on loopback
// that set cookies and headers on every answer and record what they were sent. Set-Cookie values
// carry the number of the subgraph request that made them, so a test can tell whose cookie it got.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_DEFAULTS } from '../../common/auth-defaults.ts';
import { ConfigError } from '../../common/config.ts';
import { createApolloHandler } from '../../common/http/apollo-handler.ts';
import { createLogger } from '../../common/logger.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import { createMetrics } from '../../common/metrics.ts';
import { graphqlRuntime } from '../graphql-runtime.ts';
import { loadGatewayConfig } from '../config.ts';
import { createGatewayServer, type GatewayServer } from '../server.ts';

const { parse } = graphqlRuntime;

const CACHE_LINK = `@link(url: "https://commerce-supergraph.dev/cache/v0.1", import: ["@cacheControl"]) @composeDirective(name: "@cacheControl")`;
const SCHEMAS = {
  accounts: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.10", import: ["@key", "@composeDirective"]) ${CACHE_LINK}
    type Query { viewerName: String }
    type Mutation { touch: String }
    type User @key(fields: "id") @cacheControl(maxAge: 60) { id: ID! name: String }
    enum CacheControlScope { PUBLIC PRIVATE }
    directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION`,
  catalog: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.10", import: ["@key"])
    type Query { product(id: ID!): Product }
    type Product @key(fields: "id") { id: ID! title: String owner: User }
    type User @key(fields: "id", resolvable: false) { id: ID! }`,
} as const;
type Name = keyof typeof SCHEMAS;

interface Subgraph {
  readonly name: Name;
  readonly url: string;
  /** The headers of every request received, in order. */
  readonly received: IncomingHttpHeaders[];
  /** Answers wait for this while set (requests overlap). */
  hold: Promise<void> | undefined;
  readonly server: Server;
}

const RESOLVERS = {
  accounts: {
    Query: { viewerName: () => 'someone' },
    Mutation: { touch: () => 'touched' },
    User: { __resolveReference: (user: { id: string }) => ({ id: user.id, name: `user ${user.id}` }) },
  },
  catalog: { Query: { product: (_: unknown, { id }: { id: string }) => ({ id, title: `product ${id}`, owner: { id: `owner-${id}` } }) } },
};

async function startSubgraph(name: Name): Promise<Subgraph> {
  const apollo = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(SCHEMAS[name]), resolvers: RESOLVERS[name] as never }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  const handler = createApolloHandler(apollo, { context: async () => ({}), maxBodyBytes: 1_000_000, service: name });
  const received: IncomingHttpHeaders[] = [];
  const subgraph: Subgraph = {
    name,
    url: '',
    received,
    hold: undefined,
    server: createServer((req, res) => {
      received.push(req.headers);
      const n = received.length;
      // Two cookies in one answer (one header, two values), and headers that arrive twice.
      res.setHeader('set-cookie', name === 'accounts' ? [`a=${n}; Path=/; HttpOnly`, `a2=${n}; Path=/`, `other=${n}`] : [`c=${n}; Path=/`]);
      res.setHeader('x-twice', [`${name}-${n}-one`, `${name}-${n}-two`]);
      res.setHeader('x-secret', 'internal');
      res.setHeader('x-visible', name);
      void (subgraph.hold ?? Promise.resolve()).then(() => handler(req, res));
    }),
  };
  await new Promise<void>((resolve) => subgraph.server.listen(0, '127.0.0.1', resolve));
  return Object.assign(subgraph, { url: `http://127.0.0.1:${(subgraph.server.address() as AddressInfo).port}/graphql` });
}

const RULES = {
  all: {
    request: [{ propagate: { matching: '^x-client-' } }, { insert: 'x-subgraph', from: 'subgraph' }, { insert: 'x-fixed', value: 'yes' }],
    response: [{ propagate: { named: 'set-cookie' } }, { refuse: { named: 'x-secret' } }, { propagate: { matching: '^x-vis' }, algorithm: 'append' }],
  },
  subgraphs: {
    accounts: {
      request: [
        { propagate: { named: 'cookie' }, cookies: ['session'] },
        { propagate: { named: 'x-locale' }, rename: 'x-lang' },
      ],
      // Only the cookies named `a` and `a2` from accounts: `other` stays behind.
      response: [
        { propagate: { named: 'set-cookie' }, cookies: ['a', 'a2'] },
        { propagate: { named: 'x-twice' }, algorithm: 'last' },
      ],
    },
    catalog: { response: [{ propagate: { named: 'x-twice' }, algorithm: 'first' }] },
  },
};

const kid = randomUUID();
let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let keySet: ReturnType<typeof createLocalJWKSet>;
const bus = createInProcessBus({ log: createLogger('test', 'silent') });
const subgraphs = {} as Record<Name, Subgraph>;
const gateways: GatewayServer[] = [];

async function startGateway(env: Record<string, string>): Promise<string> {
  const composed = composeServices((Object.keys(SCHEMAS) as Name[]).map((name) => ({ name, url: subgraphs[name].url, typeDefs: parse(SCHEMAS[name]) })));
  if (!composed.supergraphSdl) throw new Error(`does not compose: ${String(composed.errors)}`);
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    SUBGRAPH_URL_ACCOUNTS: subgraphs.accounts.url,
    SUBGRAPH_URL_CATALOG: subgraphs.catalog.url,
    ...env,
  });
  const server = createGatewayServer({ config, supergraphSdl: composed.supergraphSdl, log: createLogger('gateway', 'silent'), metrics: createMetrics('gateway'), keySet, bus });
  gateways.push(server);
  return `${await server.listen(0, '127.0.0.1')}/graphql`;
}

const post = (url: string, query: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });

const BOTH = '{ viewerName product(id: "1") { id title } }';
const cookieNames = (response: Response) => response.headers.getSetCookie().map((cookie) => cookie.slice(0, cookie.indexOf('=')));
const clear = () => Object.values(subgraphs).forEach((subgraph) => (subgraph.received.length = 0));

let withRules: string;
let withoutRules: string;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  signingKey = privateKey;
  keySet = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256' } as JWK] });
  subgraphs.accounts = await startSubgraph('accounts');
  subgraphs.catalog = await startSubgraph('catalog');
  withRules = await startGateway({ GATEWAY_HEADER_RULES: JSON.stringify(RULES), GATEWAY_BATCH_FETCHES: 'false' });
  withoutRules = await startGateway({});
});
afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await Promise.all(Object.values(subgraphs).map((subgraph) => new Promise((resolve) => subgraph.server.close(resolve))));
  await bus.close();
});

describe('response headers, subgraph to client', () => {
  it('appends every Set-Cookie of two subgraphs in one request, several from one answer, only the cookies a rule names', async () => {
    clear();
    const response = await post(withRules, BOTH);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { viewerName: 'someone', product: { id: '1', title: 'product 1' } } });
    expect(cookieNames(response).sort()).toEqual(['a', 'a2', 'c']);
    // Each cookie whole, attributes included: none merged into another.
    expect(response.headers.getSetCookie()).toContain('a=1; Path=/; HttpOnly');
  });

  it('a header that arrives twice: the last value for one subgraph, the first for another; refused and pattern-matched headers', async () => {
    const accountsOnly = await post(withRules, '{ viewerName }');
    expect(accountsOnly.headers.get('x-twice')).toMatch(/^accounts-\d+-two$/);
    const catalogOnly = await post(withRules, '{ product(id: "2") { id } }');
    expect(catalogOnly.headers.get('x-twice')).toMatch(/^catalog-\d+-one$/);
    // A refusal wins over a broader rule after it; `append` keeps both subgraphs' values.
    const both = await post(withRules, BOTH);
    expect(both.headers.get('x-secret')).toBeNull();
    expect(both.headers.get('x-visible')?.split(', ').sort()).toEqual(['accounts', 'catalog']);
  });

  it('a mutation carries its Set-Cookie', async () => {
    const response = await post(withRules, 'mutation { touch }');
    expect(await response.json()).toEqual({ data: { touch: 'touched' } });
    expect(cookieNames(response).sort()).toEqual(['a', 'a2']);
  });

  it('without rules nothing propagates', async () => {
    const response = await post(withoutRules, BOTH);
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('x-twice')).toBeNull();
    expect(response.headers.get('x-visible')).toBeNull();
  });
});

describe('request headers, client to subgraph', () => {
  const token = () =>
    new SignJWT({ role: 'CUSTOMER' })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setSubject('user-1')
      .setIssuer(JWT_DEFAULTS.issuer)
      .setAudience(JWT_DEFAULTS.audience)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(signingKey);

  it('forwards, renames and inserts by rule; Authorization and cookies only where a rule names them', async () => {
    clear();
    const response = await post(withRules, BOTH, {
      authorization: `Bearer ${await token()}`,
      cookie: 'session=s1; tracking=t1',
      'x-locale': 'fr',
      'x-client-app': 'web',
    });
    expect(response.status).toBe(200);
    const [accounts] = subgraphs.accounts.received;
    const [catalog] = subgraphs.catalog.received;
    expect(accounts).toMatchObject({ cookie: 'session=s1', 'x-lang': 'fr', 'x-client-app': 'web', 'x-subgraph': 'accounts', 'x-fixed': 'yes' });
    expect(catalog).toMatchObject({ 'x-client-app': 'web', 'x-subgraph': 'catalog', 'x-fixed': 'yes' });
    for (const received of [accounts, catalog]) {
      expect(received?.authorization).toBeUndefined();
      expect(received?.['x-locale']).toBeUndefined();
    }
    expect(catalog?.cookie).toBeUndefined();
    expect(catalog?.['x-lang']).toBeUndefined();
  });

  it('without rules no client header reaches a subgraph', async () => {
    clear();
    await post(withoutRules, BOTH, { authorization: `Bearer ${await token()}`, cookie: 'session=s1', 'x-client-app': 'web' });
    for (const received of [...subgraphs.accounts.received, ...subgraphs.catalog.received]) {
      expect(received.authorization).toBeUndefined();
      expect(received.cookie).toBeUndefined();
      expect(received['x-client-app']).toBeUndefined();
    }
  });
});

describe('reused answers never carry another request’s Set-Cookie', () => {
  it('an entity served from the entity cache brings no cookie of the subgraph that made it', async () => {
    const url = await startGateway({ GATEWAY_HEADER_RULES: JSON.stringify(RULES), ENTITY_CACHE_ENABLED: 'true', ENTITY_CACHE_STORE: 'memory' });
    const query = '{ product(id: "7") { id owner { id name } } }';
    clear();
    const first = await post(url, query);
    expect(await first.json()).toEqual({ data: { product: { id: '7', owner: { id: 'owner-7', name: 'user owner-7' } } } });
    expect(cookieNames(first).sort()).toEqual(['a', 'a2', 'c']);
    const fetched = subgraphs.accounts.received.length;
    const second = await post(url, query);
    expect(await second.json()).toEqual({ data: { product: { id: '7', owner: { id: 'owner-7', name: 'user owner-7' } } } });
    // The user came from the cache: accounts was not asked, and its cookie is not this client's.
    expect(subgraphs.accounts.received.length).toBe(fetched);
    expect(cookieNames(second)).toEqual(['c']);
  });

  it('a fetch shared in flight (GATEWAY_DEDUP) gives its Set-Cookie to one client only', async () => {
    const url = await startGateway({ GATEWAY_HEADER_RULES: JSON.stringify(RULES), GATEWAY_DEDUP: 'true' });
    clear();
    let release!: () => void;
    subgraphs.accounts.hold = new Promise((resolve) => (release = resolve));
    try {
      const requests = Array.from({ length: 5 }, () => post(url, '{ viewerName }'));
      // All five are in flight once accounts holds the first (the others join it).
      await new Promise<void>((resolve) => {
        const check = () => (subgraphs.accounts.received.length > 0 ? setTimeout(resolve, 100) : setTimeout(check, 10));
        check();
      });
      release();
      const responses = await Promise.all(requests);
      for (const response of responses) expect(await response.json()).toEqual({ data: { viewerName: 'someone' } });
      const cookies = responses.flatMap((response) => response.headers.getSetCookie());
      // Each accounts request made its cookies once; each went to one client.
      const made = subgraphs.accounts.received.length;
      expect(made).toBeLessThan(5);
      expect(cookies.filter((cookie) => cookie.startsWith('a=')).length).toBe(made);
      expect(new Set(cookies).size).toBe(cookies.length);
    } finally {
      subgraphs.accounts.hold = undefined;
      release();
    }
  });
});

describe('configuration', () => {
  const load = (rules: unknown) => () => loadGatewayConfig({ NODE_ENV: 'test', GATEWAY_HEADER_RULES: typeof rules === 'string' ? rules : JSON.stringify(rules) });
  const issuesOf = (rules: unknown): readonly string[] => {
    try {
      load(rules)();
    } catch (error) {
      if (error instanceof ConfigError) return error.issues;
      throw error;
    }
    return [];
  };

  it('fails fast naming the variable and the path of what is wrong', () => {
    expect(issuesOf('{not json')).toEqual([expect.stringMatching(/^GATEWAY_HEADER_RULES: not JSON/)]);
    expect(issuesOf({ subgraphs: { accounts: { response: [{ propagate: { named: 'set-cookie' }, algorithm: 'first' }] } } })).toEqual([
      expect.stringMatching(/^GATEWAY_HEADER_RULES: subgraphs\.accounts\.response\.0\.algorithm: set-cookie is appended/),
    ]);
    expect(issuesOf({ all: { response: [{ propagate: { named: 'x-a' } }] } })).toEqual([expect.stringMatching(/^GATEWAY_HEADER_RULES: all\.response\.0\.algorithm: required/)]);
    expect(issuesOf({ all: { request: [{ propagate: { named: 'x-gateway-token' } }] } })[0]).toMatch(/^GATEWAY_HEADER_RULES: all\.request\.0/);
    expect(issuesOf({ all: { request: [{ propagate: { matching: '(' } }] } })[0]).toMatch(/^GATEWAY_HEADER_RULES: all\.request\.0/);
    expect(issuesOf({ subgraphs: { nowhere: {} } })).toEqual([expect.stringMatching(/^GATEWAY_HEADER_RULES: subgraphs\.nowhere: no such subgraph/)]);
    expect(issuesOf({ all: { request: [] }, extra: true })[0]).toMatch(/^GATEWAY_HEADER_RULES: /);
  });

  it('takes valid rules, and none by default', () => {
    expect(load(RULES)().headerRules).toMatchObject({ subgraphs: { accounts: { request: [{ propagate: { named: 'cookie' }, cookies: ['session'] }, expect.anything()] } } });
    expect(loadGatewayConfig({ NODE_ENV: 'test' }).headerRules).toEqual({});
  });
});
