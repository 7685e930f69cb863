// The storefront's /graphql in front of a real gateway (over mock subgraphs), as browsers meet it:
// real HTTP from several source addresses (127.0.0.x, all loopback on Linux). The gateway trusts
// exactly the storefront's address, as npm start and compose configure it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.ts';
import { sha256Hex } from '../gateway/trusted-documents/manifests.ts';
import { createStorefrontServer } from '../web/server/static-server.ts';
import { freePort } from './support/free-port.ts';
import { startGatewayOverMocks, type GatewayOverMocks } from './support/gateway-over-mocks.ts';
import { startMockSubgraphs, type MockSubgraphs } from './support/mock-subgraphs.ts';
import { startServiceProcess } from './support/service-process.ts';
import { waitFor } from './support/wait-for.ts';
import { askFrom, type Answer } from './support/http-from.ts';

const SUBGRAPHS = {
  catalog: 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n type Query { hello: String slow: String }',
};
const HELLO = 'query Hello { hello }';
const ANONYMOUS_POINTS = 4;
const GATEWAY_MAX_BODY_BYTES = 10_000;

const ask = askFrom;
const hello = (url: string, from: string, headers: Record<string, string> = {}) => ask(url, { from, headers, body: JSON.stringify({ query: '{ hello }' }) });
const remaining = (answer: Answer) => Number(answer.headers['ratelimit-remaining']);
const codeOf = (answer: Answer) => (JSON.parse(answer.body) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code;
// Headers of a connection, or of a moment: not what the gateway said.
const messageHeaders = (headers: IncomingHttpHeaders) =>
  Object.keys(headers)
    .filter((name) => !['connection', 'keep-alive', 'transfer-encoding', 'date'].includes(name))
    .sort();

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly requestId?: string;
  readonly [field: string]: unknown;
}

let mocks: MockSubgraphs;
let gateway: GatewayOverMocks;
let storefront: ReturnType<typeof createStorefrontServer>;
let storefrontUrl: string;
let manifestDir: string;
const logs: LogLine[] = [];

beforeAll(async () => {
  manifestDir = await mkdtemp(join(tmpdir(), 'storefront-proxy-'));
  const manifest = join(manifestDir, 'shop.json');
  await writeFile(
    manifest,
    JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256Hex(HELLO), name: 'Hello', type: 'query', body: HELLO }] }),
  );
  mocks = await startMockSubgraphs(SUBGRAPHS);
  gateway = await startGatewayOverMocks(mocks, SUBGRAPHS, {
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_ANONYMOUS_POINTS: String(ANONYMOUS_POINTS),
    // The storefront below connects from 127.0.0.1 (loopback's source address): the one proxy trusted.
    TRUSTED_PROXIES: '127.0.0.1',
    MAX_BODY_BYTES: String(GATEWAY_MAX_BODY_BYTES),
    PERSISTED_DOCUMENTS_MANIFESTS: `shop=${manifest}`,
  });
  const log = createLogger('storefront', 'debug', { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  storefront = createStorefrontServer({ distDir: manifestDir, gatewayUrl: gateway.url, log });
  // On every address, so that shoppers on 127.0.0.2..9 reach it as they would a public host.
  storefrontUrl = `${(await storefront.listen(0, '0.0.0.0')).replace('localhost', '127.0.0.1')}/graphql`;
});
afterAll(async () => {
  await storefront?.close();
  await gateway?.stop();
  await mocks?.stop();
  await rm(manifestDir, { recursive: true, force: true });
});

describe("the storefront's /graphql", () => {
  it('keeps the query string: a persisted document by id over GET answers as on the gateway', async () => {
    const byId = `?documentId=sha256:${sha256Hex(HELLO)}`;
    const direct = await ask(`${gateway.url}${byId}`, { method: 'GET', from: '127.0.0.8' });
    const through = await ask(`${storefrontUrl}${byId}`, { method: 'GET', from: '127.0.0.9' });
    expect(direct.status).toBe(200);
    expect([through.status, through.body]).toEqual([200, direct.body]);
    expect(JSON.parse(through.body)).toEqual({ data: { hello: expect.any(String) } });
    // The cacheable kind stays cacheable.
    expect(through.headers['cache-control']).toBe(direct.headers['cache-control']);
    expect(through.headers['cache-control']).toMatch(/public/);
  });

  it("passes the gateway's refusals through: a 413 and a 429 with their status, headers and body", async () => {
    // Larger than the gateway takes, well within what the storefront reads.
    const large = JSON.stringify({ query: '{ hello }', variables: { padding: 'x'.repeat(5 * GATEWAY_MAX_BODY_BYTES) } });
    const directLarge = await ask(gateway.url, { body: large, from: '127.0.0.10' });
    const largeThrough = await ask(storefrontUrl, { body: large, from: '127.0.0.11' });
    expect(directLarge.status).toBe(413);
    expect([largeThrough.status, largeThrough.body, largeThrough.headers['content-type']]).toEqual([413, directLarge.body, directLarge.headers['content-type']]);
    expect(messageHeaders(largeThrough.headers)).toEqual(expect.arrayContaining(messageHeaders(directLarge.headers)));
    // The field report's 3 MB: over the storefront's own MAX_BODY_BYTES too, refused as the gateway would.
    const huge = await ask(storefrontUrl, { body: JSON.stringify({ query: '{ hello }', variables: { padding: 'x'.repeat(3_000_000) } }), from: '127.0.0.11' });
    expect([huge.status, codeOf(huge)]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(huge.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);

    const exhaust = async (url: string, from: string) => {
      for (let request = 0; request < ANONYMOUS_POINTS; request++) expect((await hello(url, from)).status).toBe(200);
      return hello(url, from);
    };
    const directRefusal = await exhaust(gateway.url, '127.0.0.12');
    const refusal = await exhaust(storefrontUrl, '127.0.0.13');
    expect(directRefusal.status).toBe(429);
    expect([refusal.status, codeOf(refusal), refusal.headers['content-type']]).toEqual([429, 'RATE_LIMITED', directRefusal.headers['content-type']]);
    // The same body as the gateway's, but for the seconds left in each one's window (read a moment apart):
    // each body's retryAfterSeconds is the Retry-After the gateway sent with it, so the body came through whole.
    const withRetryAfterOf = (answer: typeof refusal) => {
      const body = JSON.parse(answer.body) as { errors: { extensions: { retryAfterSeconds: number } }[] };
      expect(body.errors[0]?.extensions.retryAfterSeconds).toBe(Number(answer.headers['retry-after']));
      return { ...body, errors: body.errors.map((error) => ({ ...error, extensions: { ...error.extensions, retryAfterSeconds: 'as Retry-After' } })) };
    };
    expect(withRetryAfterOf(refusal)).toEqual(withRetryAfterOf(directRefusal));
    for (const name of ['retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'x-request-id']) expect(refusal.headers[name], name).toBeDefined();
    expect(messageHeaders(refusal.headers)).toEqual(expect.arrayContaining(messageHeaders(directRefusal.headers)));
  });

  it('gives each request an id of its own: a browser cannot choose it', async () => {
    const chosen = 'browser-chosen-request-id';
    const answer = await hello(storefrontUrl, '127.0.0.14', { 'x-request-id': chosen });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives four shoppers from four addresses four budgets; a forged X-Forwarded-For chooses none of them', async () => {
    const shoppers = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
    const first = await Promise.all(shoppers.map((from) => hello(storefrontUrl, from)));
    expect(first.map((answer) => [answer.status, remaining(answer)])).toEqual(shoppers.map(() => [200, ANONYMOUS_POINTS - 1]));

    // A shopper naming another shopper's address pays from its own budget.
    expect(remaining(await hello(storefrontUrl, '127.0.0.2', { 'x-forwarded-for': '127.0.0.3' }))).toBe(ANONYMOUS_POINTS - 2);
    // So does one on the storefront's own address, which the gateway trusts as a proxy, and one
    // whose header lists the storefront itself after the name it wants believed.
    await hello(storefrontUrl, '127.0.0.1', { 'x-forwarded-for': '127.0.0.4' });
    await hello(storefrontUrl, '127.0.0.1', { 'x-forwarded-for': '127.0.0.5, 127.0.0.1' });
    await hello(storefrontUrl, '127.0.0.2', { 'x-forwarded-for': '127.0.0.4, 127.0.0.1' });
    const second = await Promise.all(shoppers.slice(1).map((from) => hello(storefrontUrl, from)));
    expect(second.map(remaining)).toEqual(shoppers.slice(1).map(() => ANONYMOUS_POINTS - 2));
  });

  it('answers 502 SERVICE_UNAVAILABLE only when the gateway cannot be reached, naming the request in its log', async () => {
    const lines: LogLine[] = [];
    const alone = createStorefrontServer({
      distDir: manifestDir,
      gatewayUrl: `http://127.0.0.1:${await freePort()}/graphql`,
      log: createLogger('storefront', 'info', { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) }),
    });
    const url = `${await alone.listen(0, '127.0.0.1')}/graphql`;
    try {
      const answer = await hello(url, '127.0.0.1');
      expect([answer.status, codeOf(answer)]).toEqual([502, 'SERVICE_UNAVAILABLE']);
      expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(lines).toEqual([expect.objectContaining({ level: 40, msg: 'gateway unreachable', requestId: answer.headers['x-request-id'], reason: 'ECONNREFUSED' })]);
      expect(JSON.stringify(lines)).not.toMatch(/stack/);
    } finally {
      await alone.close();
    }
  });

  it('logs an aborted request as what it is, no warning and no stack', async () => {
    let release = () => {};
    mocks.faults.hold = { subgraph: 'catalog', until: new Promise<void>((resolve) => (release = resolve)) };
    const asked = mocks.received.get('catalog')!.length;
    const before = logs.length;
    try {
      const req = request(storefrontUrl, { method: 'POST', agent: false, localAddress: '127.0.0.15', headers: { 'content-type': 'application/json' } });
      req.on('error', () => undefined);
      req.end(JSON.stringify({ query: '{ slow }' }));
      // In flight at the subgraph: the gateway is waiting when the browser goes.
      await waitFor(
        async () => mocks.received.get('catalog')!.length,
        (count) => count > asked,
        { what: 'the request to reach the subgraph' },
      );
      req.destroy();
      await waitFor(
        async () => logs.slice(before),
        (lines) => lines.length > 0,
        { what: 'the storefront to log the abort' },
      );
    } finally {
      release();
      mocks.faults.hold = undefined;
    }
    const lines = logs.slice(before);
    expect(lines).toEqual([expect.objectContaining({ level: 20, msg: 'the browser left before the answer', requestId: expect.any(String) })]);
    expect(JSON.stringify(lines)).not.toMatch(/stack|EPIPE|ECONNRESET/);
  });
});

describe("the storefront's logs", () => {
  it('follow LOG_LEVEL and LOG_FORMAT as every service: pretty one-liners, or JSON, at the level asked', async () => {
    const unreachable = `http://127.0.0.1:${await freePort()}/graphql`;
    const run = async (env: Record<string, string>) => {
      const process = await startServiceProcess('web/server/main.ts', { GATEWAY_URL: unreachable, STOREFRONT_DIST_DIR: manifestDir, ...env }, { portVariable: 'STOREFRONT_PORT' });
      try {
        expect((await hello(process.url, '127.0.0.1')).status).toBe(502);
      } finally {
        await process.stop();
      }
      return (await process.exited).stdout.split('\n').filter(Boolean);
    };
    const pretty = await run({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'warn' });
    expect(pretty).toContainEqual(expect.stringMatching(/WARN.*storefront: gateway unreachable/));
    expect(pretty.filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
    // warn: the info lines (listening, stopped) are not written.
    expect(pretty.filter((line) => /INFO/.test(line))).toEqual([]);

    const json = await run({ LOG_FORMAT: 'json', LOG_LEVEL: 'info' });
    const parsed = json.map((line) => JSON.parse(line) as LogLine);
    expect(parsed.map((line) => line.msg)).toEqual(expect.arrayContaining(['storefront listening', 'gateway unreachable']));
    expect(await run({ LOG_FORMAT: 'json', LOG_LEVEL: 'error' })).toEqual([]);
  });
});
