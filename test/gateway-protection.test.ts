import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../gateway/config.ts';
import { startGateway } from '../gateway/start-gateway.ts';
import { SUBGRAPH_NAMES } from '../gateway/config.ts';
import { startGatewayProcess, type GatewayProcess } from './support/service-process.ts';
import { readCounter } from './support/metrics.ts';
import { chunkedPost, exchangeOnOneConnection, secondRequest } from './support/raw-http.ts';
import { startScratchRedis, type ScratchRedis } from './support/scratch-redis.ts';
import { TEST_REDIS_URL, deleteRedisKeys } from './support/test-redis.ts';
import { waitFor } from './support/wait-for.ts';

// The gateway's protections act before any subgraph is asked, so these tests need no subgraph:
// a stand-in records whether anything reached it at all.
let recorder: Server;
let received = 0;
let subgraphEnv: Record<string, string>;
const SHARED_REDIS = TEST_REDIS_URL;
const prefixes: string[] = [];

beforeAll(async () => {
  recorder = createServer((req, res) => {
    received += 1;
    // A well-formed GraphQL refusal: not a transport failure, so no breaker opens between tests.
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: null, errors: [{ message: 'stand-in' }] }));
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  const { port } = recorder.address() as AddressInfo;
  subgraphEnv = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`SUBGRAPH_URL_${name.toUpperCase()}`, `http://127.0.0.1:${port}/graphql`]));
});
afterAll(async () => {
  recorder?.close();
  // Every key this run wrote to the shared Redis goes with it.
  for (const prefix of prefixes) await deleteRedisKeys(prefix);
});

const uniquePrefix = () => {
  const prefix = `test-ratelimit-${randomUUID()}`;
  prefixes.push(prefix);
  return prefix;
};
const ask = (url: string, ip: string, query = '{ __typename }') =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify({ query }) });

describe('rate limits shared through Redis', () => {
  let gateways: GatewayProcess[] = [];
  afterAll(() => Promise.all(gateways.map((gateway) => gateway.stop())));

  it('enforces one budget across two gateway processes, with 429, Retry-After and RateLimit headers', async () => {
    const env = { ...subgraphEnv, REDIS_URL: SHARED_REDIS, RATE_LIMIT_KEY_PREFIX: uniquePrefix(), RATE_LIMIT_ANONYMOUS_POINTS: '10', TRUSTED_PROXIES: '127.0.0.1' };
    gateways = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let request = 0; request < 14; request += 1) {
      const response = await ask(gateways[request % 2]!.url, '203.0.113.7');
      statuses.push(response.status);
      if (response.status === 429) refused = response;
      else expect(response.headers.get('ratelimit-limit')).toBe('10');
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(4);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused!.headers.get('ratelimit-remaining')).toBe('0');
    const body = (await refused!.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('RATE_LIMITED');
    const refusals = await Promise.all(gateways.map((gateway) => readCounter(new URL(gateway.url).origin, 'gateway_rate_limited_total', 'budget="request"')));
    expect(refusals[0]! + refusals[1]!).toBe(4);
    // Another client (by its forwarded address, since the gateway trusts this proxy) has its own budget.
    expect((await ask(gateways[0]!.url, '203.0.113.8')).status).toBe(200);
  });
});

describe('when Redis goes away', () => {
  let redis: ScratchRedis;
  let gateways: GatewayProcess[] = [];
  beforeAll(async () => {
    redis = await startScratchRedis();
  });
  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await redis?.stop();
  });

  it('keeps serving and limiting per process, and shares the budget again when Redis returns', async () => {
    const env = { ...subgraphEnv, REDIS_URL: redis.url, RATE_LIMIT_KEY_PREFIX: uniquePrefix(), RATE_LIMIT_ANONYMOUS_POINTS: '4', TRUSTED_PROXIES: '127.0.0.1' };
    gateways = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
    const burst = async (ip: string, perGateway: number) => {
      const statuses: number[] = [];
      for (let request = 0; request < perGateway * 2; request += 1) statuses.push((await ask(gateways[request % 2]!.url, ip)).status);
      return statuses.filter((status) => status === 200).length;
    };
    expect(await burst('198.51.100.1', 3)).toBe(4); // shared: 4 of 6

    const readiness = async (gateway = gateways[0]!) => {
      const response = await fetch(new URL('/health/ready', gateway.url));
      return { status: response.status, report: (await response.json()) as { status: string; checks: Record<string, { status: string; critical: boolean }> } };
    };
    expect((await readiness()).report.checks['redis']).toMatchObject({ status: 'ok', critical: false });

    await redis.stop();
    expect(await burst('198.51.100.2', 5)).toBe(8); // each process alone: 4 + 4 of 10
    // Still ready (the insurance limiter covers), and the report says what is missing.
    const degraded = await readiness();
    expect(degraded.status).toBe(200);
    expect(degraded.report.status).toBe('degraded');
    expect(degraded.report.checks['redis']).toMatchObject({ status: 'unavailable', critical: false });

    await redis.start();
    // Each process back on Redis (its readiness pings it) before the budget is shared again.
    for (const gateway of gateways) {
      await waitFor(
        () => readiness(gateway),
        ({ report }) => report.checks['redis']?.status === 'ok',
        { what: 'the gateway to reach Redis again' },
      );
    }
    expect(await burst('198.51.100.3', 3)).toBe(4); // shared again
    expect((await readiness()).report).toMatchObject({ status: 'ok', checks: { redis: { status: 'ok' } } });
  });
});

describe('operation limits', () => {
  let gateway: { url: string; stop(): Promise<void> };
  let url: string;
  beforeAll(async () => {
    gateway = await startGateway(
      loadGatewayConfig({
        ...subgraphEnv,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        MAX_QUERY_DEPTH: '4',
        MAX_QUERY_ALIASES: '3',
        MAX_QUERY_DIRECTIVES: '2',
        MAX_QUERY_TOKENS: '60',
        MAX_QUERY_COST: '208',
        MAX_PAGE_SIZE: '50',
      }),
    );
    url = `${gateway.url}/graphql`;
  });
  afterAll(() => gateway?.stop());

  const codeOf = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { errors?: { extensions: { code: string } }[] };
    return { status: response.status, code: body.errors?.[0]?.extensions.code };
  };
  const under = async (query: string, variables?: Record<string, unknown>) => {
    const before = received;
    const result = await codeOf(query, variables);
    // Passing the limits means the gateway went on to ask a subgraph.
    expect(result.code, query).not.toMatch(/LIMIT_EXCEEDED/);
    expect(received).toBeGreaterThan(before);
  };
  const over = async (query: string, code: string, variables?: Record<string, unknown>) => {
    const before = received;
    const started = performance.now();
    expect(await codeOf(query, variables)).toEqual({ status: 400, code });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(received, 'a subgraph was asked').toBe(before);
  };

  it('depth: one level under passes, one over is refused', async () => {
    await under('{ me { orders { edges { cursor } } } }');
    await over('{ me { orders { edges { node { id } } } } }', 'DEPTH_LIMIT_EXCEEDED');
  });

  it('aliases', async () => {
    await under('{ a: categories { id } b: categories { id } c: categories { id } }');
    await over('{ a: categories { id } b: categories { id } c: categories { id } d: categories { id } }', 'ALIAS_LIMIT_EXCEEDED');
  });

  it('directives', async () => {
    await under('{ categories @include(if: true) { id @skip(if: false) } }');
    await over('{ categories @include(if: true) { id @skip(if: false) name @skip(if: false) } }', 'DIRECTIVE_LIMIT_EXCEEDED');
  });

  it('tokens', async () => {
    await under(`{ categories { ${'id '.repeat(20)}} }`);
    await over(`{ categories { ${'id '.repeat(60)}} }`, 'TOKEN_LIMIT_EXCEEDED');
  });

  it('page size and cost multiply by list sizes', async () => {
    await under('query ($n: Int) { products(first: $n) { edges { node { id name } } } }', { n: 50 });
    await over('query ($n: Int) { products(first: $n) { edges { node { id } } } }', 'PAGE_SIZE_LIMIT_EXCEEDED', { n: 51 });
    await over('{ products(first: 100000) { totalCount } }', 'PAGE_SIZE_LIMIT_EXCEEDED');
    // The supergraph's @cost and @listSize (demand control): each page costs the connection 1 + first
    // edges (sizedFields) × (edge 1 + product 1; cursor and id 0) + totalCount's @cost 5:
    // 2 × (6 + 2 × 49) = 208, at the limit; 2 × (6 + 2 × 50) = 212, over it.
    const twoPages = (size: number) =>
      `{ a: products(first: ${size}) { edges { cursor node { id } } totalCount } b: products(first: ${size}) { edges { cursor node { id } } totalCount } }`;
    await under(twoPages(49));
    await over(twoPages(50), 'COST_ESTIMATED_TOO_EXPENSIVE');
  });

  it('refuses an alias bomb, deep nesting, a 5 MB body and a batch of 100 operations quickly', async () => {
    await over(`{ ${Array.from({ length: 500 }, (_, index) => `a${index}: __typename`).join(' ')} }`, 'TOKEN_LIMIT_EXCEEDED');
    const big = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ __typename } #${'x'.repeat(5_000_000)}` }) });
    expect(big.status).toBe(413);
    const before = received;
    const batch = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: 100 }, () => ({ query: '{ categories { id } }' }))),
    });
    expect(batch.status).toBe(400);
    expect(received).toBe(before);
  });
});

describe('the HTTP surface, with the development defaults', () => {
  let gateway: { url: string; stop(): Promise<void> };
  beforeAll(async () => {
    gateway = await startGateway(loadGatewayConfig({ ...subgraphEnv, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', MAX_BODY_BYTES: '100000' }));
  });
  afterAll(() => gateway?.stop());

  it('answers a chunked one with 413 and Connection: close, ends the connection, and serves a fresh one', async () => {
    const host = new URL(gateway.url).host;
    const { received, closedByServer } = await exchangeOnOneConnection(gateway.url, chunkedPost(host, 64_000, 4), secondRequest(host));
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).toMatch(/\r\nconnection: close\r\n/i);
    expect(received.match(/HTTP\/1\.1 \d{3} /g)).toHaveLength(1);
    expect(closedByServer).toBe(true);
    expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
  });

  it('answers a declared Content-Length over the limit the same way, without reading it', async () => {
    const host = new URL(gateway.url).host;
    const head = `POST /graphql HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n{"query":"`;
    const { received, closedByServer } = await exchangeOnOneConnection(gateway.url, [head], secondRequest(host));
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).toMatch(/\r\nconnection: close\r\n/i);
    expect(closedByServer).toBe(true);
    expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
  });

  const DEV_SERVER = 'http://localhost:5173';
  const preflight = (origin: string) =>
    fetch(`${gateway.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization, x-request-id' },
    });
  const postFrom = (origin: string) =>
    fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
  const listed = (header: string | null) => (header ?? '').split(',').map((name) => name.trim().toLowerCase());

  it('answers a preflight from a local dev server: 204 with the methods, headers and max-age', async () => {
    const response = await preflight(DEV_SERVER);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(DEV_SERVER);
    expect(listed(response.headers.get('vary'))).toContain('origin');
    expect(listed(response.headers.get('access-control-allow-methods'))).toEqual(expect.arrayContaining(['get', 'post', 'options']));
    expect(listed(response.headers.get('access-control-allow-headers'))).toEqual(
      expect.arrayContaining(['content-type', 'authorization', 'apollo-require-preflight', 'x-apollo-operation-name', 'graphql-client-name', 'x-request-id']),
    );
    expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('gives an origin not on the list no Access-Control-Allow-Origin, on the preflight or the request', async () => {
    for (const response of [await preflight('https://evil.example'), await postFrom('https://evil.example')]) {
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-methods')).toBeNull();
    }
  });

  it('lets an allowed origin read the response and the headers a client needs', async () => {
    const response = await postFrom(DEV_SERVER);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(DEV_SERVER);
    expect(listed(response.headers.get('vary'))).toContain('origin');
    const exposed = listed(response.headers.get('access-control-expose-headers'));
    expect(exposed).toEqual(expect.arrayContaining(['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after', 'x-request-id']));
    // The exposed names are the ones the gateway really sends.
    for (const name of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'x-request-id']) expect(response.headers.get(name), name).not.toBeNull();
  });

  it('refuses a cross-site simple POST (a form: text/plain, urlencoded, multipart, no type) before anything runs, and serves a GET query', async () => {
    const mutation = 'mutation { logIn(input: { email: "customer@shop.test", password: "guess" }) { token } }';
    const before = received;
    const forms: [string | undefined, string][] = [
      ['text/plain', JSON.stringify({ query: mutation })],
      ['application/x-www-form-urlencoded', new URLSearchParams({ query: mutation }).toString()],
      ['multipart/form-data; boundary=x', `--x\r\ncontent-disposition: form-data; name="query"\r\n\r\n${mutation}\r\n--x--\r\n`],
      [undefined, JSON.stringify({ query: mutation })],
    ];
    for (const [contentType, body] of forms) {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { origin: 'https://evil.example', cookie: 'session=whatever', ...(contentType ? { 'content-type': contentType } : {}) },
        body,
      });
      expect(response.status, String(contentType)).toBe(400);
      expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('BAD_REQUEST');
    }
    expect(received, 'a subgraph was asked').toBe(before);
    // The same request a browser preflights (a JSON body) reaches GraphQL; so does a plain GET query.
    const query = await fetch(`${gateway.url}/graphql?query=${encodeURIComponent('{ categories { id } }')}`);
    expect(query.status).toBe(200);
    expect(received).toBeGreaterThan(before);
  });
});

describe('production mode', () => {
  let gateway: { url: string; stop(): Promise<void> };
  let url: string;
  beforeAll(async () => {
    const secrets = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`SUBGRAPH_SECRET_${name.toUpperCase()}`, `production-secret-for-${name}`]));
    // Documents opened (`log`) as for a GraphQL IDE: under the default `require` these texts would be
    // refused before parsing (test/e2e/trusted-documents.test.ts); here production's other defences are tested.
    gateway = await startGateway(
      loadGatewayConfig({ ...subgraphEnv, ...secrets, NODE_ENV: 'production', PERSISTED_DOCUMENTS: 'log', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }),
    );
    url = `${gateway.url}/graphql`;
  });
  afterAll(() => gateway?.stop());

  const post = async (query: string) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return { status: response.status, text: await response.text() };
  };

  it('allows no cross-origin access unless CORS_ORIGINS says so', async () => {
    const response = await fetch(url, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const post = await fetch(url, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses introspection, hides field suggestions and never shows a stack trace', async () => {
    const introspection = await post('{ __schema { types { name } } }');
    expect(introspection.status).toBe(400);
    expect(introspection.text).toMatch(/introspection/i);
    const typo = await post('{ categoris { id } }');
    expect(typo.status).toBe(400);
    expect(typo.text).not.toMatch(/Did you mean/);
    const broken = await post('{ categories { id ');
    expect(broken.text).not.toMatch(/stacktrace|\.ts:\d+|\bat \w+ \(/);
    const landing = await fetch(url, { headers: { accept: 'text/html' } });
    expect(await landing.text()).not.toMatch(/<html/i);
  });
});

describe('RATE_LIMIT_ENABLED=false', () => {
  // Where REDIS_URL points: a listener that only counts who connects (a Redis client would).
  let redisStandIn: ReturnType<typeof createTcpServer>;
  const redisConnections: Socket[] = [];
  let gateway: { url: string; stop(): Promise<void> };
  beforeAll(async () => {
    redisStandIn = createTcpServer((socket) => {
      redisConnections.push(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => redisStandIn.listen(0, '127.0.0.1', resolve));
    const { port } = redisStandIn.address() as AddressInfo;
    gateway = await startGateway(
      loadGatewayConfig({
        ...subgraphEnv,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        RATE_LIMIT_ENABLED: 'false',
        // The entity cache and the shared query plans are units of their own that also use REDIS_URL; off, so any connection is rate limiting's.
        ENTITY_CACHE_ENABLED: 'false',
        PLAN_CACHE_REDIS: 'false',
        REDIS_URL: `redis://127.0.0.1:${port}`,
        RATE_LIMIT_ANONYMOUS_POINTS: '2',
        AUTH_RATE_LIMIT_POINTS: '1',
      }),
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    await new Promise((resolve) => redisStandIn?.close(resolve));
  });

  it('is absent: no Redis connection, no readiness entry, no budgets, no RateLimit headers, no log-in guard', async () => {
    const ready = await fetch(`${gateway.url}/health/ready`);
    expect(ready.status).toBe(200);
    const report = (await ready.json()) as { checks: Record<string, unknown> };
    expect(Object.keys(report.checks)).not.toContain('redis');
    expect(Object.keys(report.checks)).toContain('supergraph');

    // Far more requests than the (ignored) budgets allow all reach the subgraph, none refused or labelled.
    const before = received;
    for (let request = 0; request < 5; request += 1) {
      const response = await ask(`${gateway.url}/graphql`, '203.0.113.9', '{ categories { id } }');
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBeNull();
    }
    const logIn = 'mutation { logIn(input: { email: "customer@shop.test", password: "guess" }) { token } }';
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await ask(`${gateway.url}/graphql`, '203.0.113.9', logIn);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
      expect(body.errors?.map((error) => error.extensions?.code)).not.toContain('RATE_LIMITED');
    }
    expect(received - before).toBe(8);

    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).not.toContain('gateway_rate_limited_total');
    expect(redisConnections).toHaveLength(0);
  });
});
