// What the gateway answers when a persisted-document id and a text disagree, that every answer
// (refusals before GraphQL included) names its request id, and what an operator sees at the start of
// a production gateway that runs operations in no manifest. The refusals act before any subgraph is
// asked: a stand-in records whether anything reached it.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES, loadGatewayConfig } from '../gateway/config.ts';
import { startGateway } from '../gateway/start-gateway.ts';
import type { PersistedQueryManifest } from '../scripts/schema/persisted-documents.ts';
import { startGatewayProcess } from './support/service-process.ts';

const manifest = JSON.parse(await readFile(resolve(import.meta.dirname, '../sdk/persisted-operations.json'), 'utf8')) as PersistedQueryManifest;
const categories = manifest.operations.find((entry) => entry.name === 'Categories')!;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const OTHER_TEXT = '{ categories { id name } }';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let recorder: Server;
let received = 0;
let subgraphEnv: Record<string, string>;
type RunningGateway = Awaited<ReturnType<typeof startGateway>>;
const gateways: Partial<Record<'allow' | 'require' | 'off', RunningGateway>> = {};

beforeAll(async () => {
  recorder = createServer((_req, res) => {
    received += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: null, errors: [{ message: 'stand-in' }] }));
  });
  await new Promise<void>((done) => recorder.listen(0, '127.0.0.1', done));
  const { port } = recorder.address() as AddressInfo;
  subgraphEnv = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`SUBGRAPH_URL_${name.toUpperCase()}`, `http://127.0.0.1:${port}/graphql`]));
  for (const mode of ['allow', 'require', 'off'] as const) {
    gateways[mode] = await startGateway(
      loadGatewayConfig({ ...subgraphEnv, PERSISTED_DOCUMENTS: mode, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT_ENABLED: 'false' }),
    );
  }
});
afterAll(async () => {
  await Promise.all(Object.values(gateways).map((gateway) => gateway.stop()));
  recorder?.close();
});

const post = async (mode: keyof typeof gateways, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
  const response = await fetch(`${gateways[mode]!.url}/graphql`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  return {
    status: response.status,
    requestId: response.headers.get('x-request-id'),
    text,
    body: text.startsWith('{') ? (JSON.parse(text) as { errors?: { message: string; extensions?: { code?: string } }[] }) : undefined,
  };
};
const apq = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

describe('an id and a text that disagree', () => {
  it('an APQ registration whose hash is not its text is 400 PERSISTED_QUERY_HASH_MISMATCH, trusted documents on or off, and runs nothing', async () => {
    const before = received;
    for (const mode of ['allow', 'off'] as const) {
      const answer = await post(mode, { query: OTHER_TEXT, extensions: apq('0'.repeat(64)) });
      expect({ mode, status: answer.status, codes: answer.body?.errors?.map((error) => error.extensions?.code) }).toEqual({
        mode,
        status: 400,
        codes: ['PERSISTED_QUERY_HASH_MISMATCH'],
      });
      expect(answer.body?.errors?.[0]?.message).toMatch(/sha256 of the text/);
    }
    // The right hash still registers and runs (allow).
    const registered = await post('allow', { query: OTHER_TEXT, extensions: apq(sha256(OTHER_TEXT)) });
    expect(registered.status).toBe(200);
    expect(received).toBe(before + 1);
  });

  it("a known id with another text says the text is not the id's document (under require, still a refusal of what no client ships)", async () => {
    const before = received;
    for (const [mode, code] of [
      ['allow', 'PERSISTED_QUERY_HASH_MISMATCH'],
      ['require', 'PERSISTED_QUERY_NOT_IN_LIST'],
    ] as const) {
      for (const request of [
        { documentId: `sha256:${categories.id}`, query: OTHER_TEXT },
        { query: OTHER_TEXT, extensions: apq(categories.id) },
      ]) {
        const answer = await post(mode, request);
        expect(answer.status).toBe(400);
        expect(answer.body?.errors).toEqual([{ message: expect.stringMatching(/not this id's document/), extensions: { code } }]);
        expect(answer.text).not.toMatch(/No persisted document has this id/);
      }
    }
    expect(received).toBe(before);
  });
});

describe('x-request-id', () => {
  it('is on every answer: trusted-document refusals, a form post, a body that is not JSON, a 404, and a query that ran', async () => {
    const answers = [
      await post('require', { query: OTHER_TEXT }),
      await post('require', { documentId: `sha256:${'1'.repeat(64)}` }),
      await post('allow', { documentId: `sha256:${'1'.repeat(64)}` }),
      await post('allow', { query: OTHER_TEXT, extensions: apq('0'.repeat(64)) }),
      await post('allow', 'query=%7B%20categories%20%7B%20id%20%7D%20%7D', { 'content-type': 'application/x-www-form-urlencoded' }),
      await post('allow', '{not json', { 'content-type': 'application/json' }),
      await post('require', { documentId: `sha256:${categories.id}` }),
    ];
    const get = await fetch(`${gateways.require!.url}/graphql?documentId=sha256:${'2'.repeat(64)}`, { headers: { 'apollo-require-preflight': 'true' } });
    const missing = await fetch(`${gateways.require!.url}/nowhere`);
    const seen = [
      ...answers.map((answer) => [answer.status, answer.requestId]),
      [get.status, get.headers.get('x-request-id')],
      [missing.status, missing.headers.get('x-request-id')],
    ];
    expect(seen.map(([status]) => status)).toEqual([400, 400, 400, 400, 400, 400, 200, 400, 404]);
    for (const [, requestId] of seen) expect(requestId).toMatch(UUID);
    expect(new Set(seen.map(([, requestId]) => requestId)).size).toBe(seen.length);
  });
});

describe('NODE_ENV=production with PERSISTED_DOCUMENTS=allow', () => {
  it('warns at start that operations in no manifest run', async () => {
    const secrets = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`SUBGRAPH_SECRET_${name.toUpperCase()}`, `production-secret-for-${name}`]));
    // What an operator who logs warnings and above sees.
    // One process: each worker (GATEWAY_WORKERS) would say it at its own start.
    const gateway = await startGatewayProcess({
      ...subgraphEnv,
      ...secrets,
      NODE_ENV: 'production',
      PERSISTED_DOCUMENTS: 'allow',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
      GATEWAY_WORKERS: '1',
    });
    try {
      const lines = gateway
        .output()
        .stdout.split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string; mode?: string });
      expect(lines.filter((line) => /PERSISTED_DOCUMENTS=allow/.test(line.msg))).toEqual([expect.objectContaining({ level: 40, mode: 'allow' })]);
    } finally {
      await gateway.stop();
    }
  });
});
