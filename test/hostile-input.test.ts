// Hostile input against every HTTP surface `npm start` serves, from the outside over raw sockets:
// the storefront, the gateway and the eight subgraphs, with their /health/live, /health/ready and
// /metrics. Each malformed request line, path or header is refused with a 4xx and no stack trace,
// and after each one the process is alive and answers a normal request. One start for the file:
// scripts/start.ts as npm start runs it, in production (what the field report saw: one `%` ended
// everything; a 5 MB body got EPIPE instead of its 413), on the embedded defaults with migrated data
// directories, a small hand-made storefront bundle, and a secret file beside that bundle.
import { connect } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES } from '../gateway/config.ts';
import { subgraphModules } from '../subgraphs/index.ts';
import { copyMigratedDataDirs } from './support/migrated-data-dirs.ts';
import { startNpmStart, type NpmStart } from './support/service-process.ts';

const SECRET = 'hostile-input-secret-0123456789abcdef';
const SECRET_FILE_TEXT = 'outside-the-bundle-7f3c9a';
const INDEX_HTML = '<!doctype html><title>hostile-input storefront</title>';

let root: string;
let started: NpmStart;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hostile-input-'));
  const dist = join(root, 'dist');
  await mkdir(join(dist, 'assets'), { recursive: true });
  await writeFile(join(dist, 'index.html'), INDEX_HTML);
  await writeFile(join(dist, 'assets', 'app-0123abcd.js'), 'console.log("app");');
  // What `..` would reach from the bundle, in any encoding.
  await writeFile(join(root, 'secret.txt'), SECRET_FILE_TEXT);
  const dataDir = join(root, 'data');
  await copyMigratedDataDirs(dataDir, subgraphModules, { seeded: false });
  started = await startNpmStart({ NODE_ENV: 'production', HOST: '127.0.0.1', SUBGRAPH_SECRET: SECRET, DATA_DIR: dataDir, STOREFRONT_DIST_DIR: dist }, { withoutNpm: true });
}, 300_000);
afterAll(async () => {
  started?.kill();
  await started?.exited;
  await rm(root, { recursive: true, force: true });
});

interface RawAnswer {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

/** Sends `request` on a fresh connection and reads until the server ends it or one whole answer has come. */
function raw(port: number, request: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    const settle = () => {
      socket.destroy();
      const text = received.toString('latin1');
      const headEnd = text.indexOf('\r\n\r\n');
      const head = headEnd === -1 ? text : text.slice(0, headEnd);
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1] ?? 0);
      if (status === 0) reject(new Error(`no HTTP answer on port ${port} to ${JSON.stringify(request.toString().slice(0, 80))}: ${JSON.stringify(text.slice(0, 200))}`));
      else resolve({ status, head, body: headEnd === -1 ? '' : decodeBody(head, text.slice(headEnd + 4)) });
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (wholeAnswer(received.toString('latin1'))) settle();
    });
    socket.on('end', settle);
    // A reset after the answer arrived is the server's to choose; before it, settle() says so.
    socket.on('error', settle);
    socket.write(request);
  });
}

/** Whether `text` holds one complete answer (Content-Length, or chunked up to its last chunk). */
function wholeAnswer(text: string): boolean {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd === -1) return false;
  const head = text.slice(0, headEnd);
  const length = /\r\ncontent-length: (\d+)/i.exec(head)?.[1];
  if (length !== undefined) return text.length - headEnd - 4 >= Number(length);
  return /\r\ntransfer-encoding: chunked/i.test(head) ? text.endsWith('0\r\n\r\n') : false;
}

function decodeBody(head: string, body: string): string {
  if (!/\r\ntransfer-encoding: chunked/i.test(head)) return body;
  let decoded = '';
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (!(size > 0)) return decoded;
    decoded += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

const NO_STACK = /^\s+at |node:internal|\.ts:\d+|URIError|TypeError/m;

/** The process is alive and `port` answers a normal request. */
async function expectServing(port: number, path = '/health/live'): Promise<void> {
  expect(() => process.kill(started.nodePid, 0), 'the process is alive').not.toThrow();
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  expect(response.status, `GET ${path} on ${port} after the hostile request`).toBe(200);
  await response.arrayBuffer();
}

interface Surface {
  readonly name: string;
  readonly port: () => number;
  readonly paths: readonly string[];
  /** Its answers are GraphQL-shaped JSON errors (every service; the storefront only on /graphql). */
  readonly json: (path: string) => boolean;
}

const SERVICE_PATHS = ['/graphql', '/health/live', '/health/ready', '/metrics'];
const surfaces: Surface[] = [
  { name: 'storefront', port: () => started.basePort - 1000, paths: ['/', '/products/1', '/graphql', '/health/live', '/health/ready'], json: (path) => path === '/graphql' },
  { name: 'gateway', port: () => started.basePort, paths: SERVICE_PATHS, json: () => true },
  ...SUBGRAPH_NAMES.map((name, index) => ({ name, port: () => started.basePort + 1 + index, paths: SERVICE_PATHS, json: () => true })),
];

const host = 'Host: 127.0.0.1\r\n';
const WEBSOCKET_UPGRADE = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
const get = (target: string, headers = '') => `GET ${target} HTTP/1.1\r\n${host}${headers}\r\n`;
const join2 = (path: string, tail: string) => (path === '/' ? `/${tail}` : `${path}/${tail}`);

/** Each hostile request against `path`, and the status it must get there. */
const hostile = (path: string, surface: Surface): { what: string; request: string | Buffer; status: number }[] => [
  { what: 'a lone %', request: get(`${path}%`), status: 400 },
  { what: '%zz', request: get(`${path}%zz`), status: 400 },
  { what: '%00', request: get(`${path}%00`), status: 400 },
  { what: 'overlong UTF-8 %c0%af', request: get(`${path}%c0%af`), status: 400 },
  { what: 'a percent-encoding that is not UTF-8', request: get(`${path}%ff%fe`), status: 400 },
  {
    what: 'raw bytes that are not UTF-8',
    request: Buffer.concat([Buffer.from(`GET ${path}`), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from(` HTTP/1.1\r\n${host}\r\n`)]),
    status: 400,
  },
  { what: 'a target that does not parse as a URL', request: get(`http://[${path}`), status: 400 },
  { what: '..', request: get(join2(path, '../secret.txt')), status: 400 },
  { what: '%2e%2e', request: get(join2(path, '%2e%2e/secret.txt')), status: 400 },
  { what: '..%2f', request: get(join2(path, '..%2f..%2fsecret.txt')), status: 400 },
  { what: '%2e%2e%5c', request: get(join2(path, '%2e%2e%5csecret.txt')), status: 400 },
  { what: '.%2e', request: get(join2(path, '.%2e/secret.txt')), status: 400 },
  { what: 'overlong %c0%ae%c0%ae', request: get(join2(path, '%c0%ae%c0%ae/secret.txt')), status: 400 },
  { what: 'a 64 KB path', request: get(`${path}${'a'.repeat(64 * 1024)}`), status: 414 },
  { what: 'a header without a colon', request: get(path, 'X-Hostile header without a colon\r\n'), status: 400 },
  { what: 'a lone CR in a header', request: get(path, 'X-Hostile: a\rb\r\n'), status: 400 },
  { what: 'a lone CR ending the request line', request: `GET ${path} HTTP/1.1\r${host}\r\n`, status: 400 },
  {
    what: 'two Content-Lengths',
    request: `POST ${path} HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 30\r\n\r\n{}`,
    status: 400,
  },
  { what: 'an unknown method', request: `BREW ${path} HTTP/1.1\r\n${host}\r\n`, status: 400 },
  // The gateway's WebSocket upgrades read the path too (an unparseable one used to end the process).
  ...(surface.name === 'gateway'
    ? [
        { what: 'a WebSocket upgrade to an undecodable path', request: get(`${path}%zz`, WEBSOCKET_UPGRADE), status: 400 },
        { what: 'a WebSocket upgrade to a target that does not parse', request: get(`http://[${path}`, WEBSOCKET_UPGRADE), status: 400 },
      ]
    : []),
  // A method HTTP knows that this path does not serve (the storefront's /graphql is the gateway's to answer).
  ...(surface.name === 'storefront' && path === '/graphql' ? [] : [{ what: 'PATCH', request: `PATCH ${path} HTTP/1.1\r\n${host}Content-Length: 0\r\n\r\n`, status: 405 }]),
];

describe('hostile input to every HTTP surface of npm start', () => {
  it.for(surfaces)('$name refuses each malformed request with its 4xx, no stack, and keeps serving', async (surface) => {
    const port = surface.port();
    for (const path of surface.paths) {
      for (const { what, request, status } of hostile(path, surface)) {
        const answer = await raw(port, request);
        const label = `${surface.name} ${path}: ${what}`;
        expect(answer.status, `${label}: ${answer.head}\n${answer.body}`).toBe(status);
        expect(answer.head + answer.body, label).not.toMatch(NO_STACK);
        expect(answer.body, label).not.toContain(SECRET_FILE_TEXT);
        // Where the endpoint is GraphQL (or the parser refused it before any route), the error is GraphQL-shaped.
        const aimedAtGraphQL = surface.json(path) && (surface.name !== 'storefront' || request.toString('latin1').startsWith(`GET ${path}`));
        if (status !== 405 && (aimedAtGraphQL || answer.head.includes('application/json'))) {
          const parsed = JSON.parse(answer.body) as { errors: { extensions: { code: string } }[] };
          expect(parsed.errors[0]?.extensions.code, label).toBe('BAD_REQUEST');
        }
        await expectServing(port);
      }
    }
    // The normal requests of this surface still work.
    if (surface.name === 'storefront') {
      const page = await fetch(`http://127.0.0.1:${port}/products/1`);
      expect(await page.text()).toBe(INDEX_HTML);
      const asset = await fetch(`http://127.0.0.1:${port}/assets/app-0123abcd.js`);
      expect(asset.status).toBe(200);
      await asset.arrayBuffer();
    } else {
      await expectServing(port, '/metrics');
    }
  });

  it('never serves a file from outside the storefront bundle, in any encoding of ..', async () => {
    const port = started.basePort - 1000;
    const attempts = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/..%2fsecret.txt',
      '/..%5csecret.txt',
      '/..\\secret.txt',
      '/assets/../../secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/%252e%252e/secret.txt',
      '/%c0%ae%c0%ae/secret.txt',
      '/%e0%80%ae%e0%80%ae/secret.txt',
      'http://127.0.0.1/../secret.txt',
      '/./../secret.txt',
    ];
    for (const target of attempts) {
      const answer = await raw(port, get(target));
      expect([400, 404], `${target}: ${answer.head}`).toContain(answer.status);
      expect(answer.body, target).not.toContain(SECRET_FILE_TEXT);
      await expectServing(port);
    }
  });
});

describe('a body over the size limit in production', () => {
  const fiveMegabytes = JSON.stringify({ query: `{ __typename } #${'x'.repeat(5_000_000)}` });
  const post = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: fiveMegabytes });

  it('is answered 413 with Connection: close, as in development, at the gateway (3 of 3) and every subgraph', async () => {
    const urls = [started.gatewayUrl, started.gatewayUrl, started.gatewayUrl, ...SUBGRAPH_NAMES.map((_, index) => `http://127.0.0.1:${started.basePort + 1 + index}/graphql`)];
    for (const url of urls) {
      const response = await post(url);
      expect(response.status, url).toBe(413);
      expect(response.headers.get('connection'), url).toBe('close');
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe('PAYLOAD_TOO_LARGE');
      await expectServing(Number(new URL(url).port));
    }
  });
});
