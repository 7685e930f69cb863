// Trusted documents at the gateway, as clients and attackers see them: one supergraph, and beside its
// own gateway (PERSISTED_DOCUMENTS=allow, the laptop default) gateways of their own in `require` and
// `log` mode on the same subgraphs. Refusals are checked in every shape a request can take (ids,
// texts, APQ, GET, batches, every subscription transport), and that no subgraph was asked.
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createClient as createSseClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config.ts';
import { startGateway } from '../../gateway/start-gateway.ts';
import type { PersistedQueryManifest } from '../../scripts/schema/persisted-documents.ts';
import { readCounter } from '../support/metrics.ts';
import { logInAsCustomer, type Session } from '../support/sessions.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';
import { subscribeMultipart } from '../support/multipart.ts';
import { collect, wsClient } from '../support/subscriptions.ts';

const manifest = JSON.parse(await readFile(resolve(import.meta.dirname, '../../sdk/persisted-operations.json'), 'utf8')) as PersistedQueryManifest;
// The other clients' manifests the gateway loads by default (trusted-documents/<client>.json: the storefront's).
const otherManifestsDir = resolve(import.meta.dirname, '../../trusted-documents');
const otherManifests = await Promise.all(
  (await readdir(otherManifestsDir))
    .filter((file) => file.endsWith('.json'))
    .map(async (file) => JSON.parse(await readFile(resolve(otherManifestsDir, file), 'utf8')) as PersistedQueryManifest),
);
const operation = (name: string) => {
  const found = manifest.operations.find((entry) => entry.name === name);
  if (!found) throw new Error(`no ${name} in the manifest`);
  return found;
};
const categories = operation('Categories');
const products = operation('Products');
const watch = operation('OrderStatusChanged');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

type RunningGateway = Awaited<ReturnType<typeof startGateway>>;
let supergraph: TestSupergraph;
let required: RunningGateway;
let logged: RunningGateway;
let customer: Session;
const plannedAtStart: Record<string, number> = {};

async function gatewayInMode(mode: string): Promise<RunningGateway> {
  const urls = Object.fromEntries(Object.values(supergraph.subgraphs).map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, `${subgraph.url}/graphql`]));
  const config = loadGatewayConfig({
    ...supergraph.env,
    ...urls,
    JWKS_URL: `${supergraph.subgraphs['accounts']!.url}/.well-known/jwks.json`,
    PORT: '0',
    HOST: '127.0.0.1',
    PERSISTED_DOCUMENTS: mode,
  });
  return startGateway(config, { bus: supergraph.bus });
}

beforeAll(async () => {
  supergraph = await startTestSupergraph();
  required = await gatewayInMode('require');
  // Read before anything is asked of it: what the warm-up did by the time it reported ready.
  plannedAtStart['ready'] = (await fetch(`${required.url}/health/ready`)).status;
  plannedAtStart['planned'] = await readCounter(required.url, 'gateway_query_plan_warmups_total', 'outcome="planned"');
  plannedAtStart['misses'] = await readCounter(required.url, 'gateway_query_plan_cache_misses_total');
  plannedAtStart['hits'] = await readCounter(required.url, 'gateway_query_plan_cache_hits_total');
  logged = await gatewayInMode('log');
  customer = await logInAsCustomer(supergraph.gatewayUrl);
});
afterAll(async () => {
  await Promise.all([required?.stop(), logged?.stop()]);
  await supergraph?.stop();
});

const graphqlUrl = (gateway: RunningGateway | string) => `${typeof gateway === 'string' ? gateway : gateway.url}/graphql`;

async function post(gateway: RunningGateway | string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(graphqlUrl(gateway), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] },
  };
}
async function get(gateway: RunningGateway | string, params: Record<string, string>, headers: Record<string, string> = {}) {
  const url = new URL(graphqlUrl(gateway));
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true', ...headers } });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] },
  };
}
const codes = (result: { body: { errors?: { extensions?: { code?: string } }[] } }) => (result.body.errors ?? []).map((error) => error.extensions?.code);

/** Every fetch the gateway made to any subgraph (each one is timed). */
const subgraphFetches = async (gateway: RunningGateway) => {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('gateway_subgraph_fetch_duration_seconds_count'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
};

describe('PERSISTED_DOCUMENTS=require', () => {
  it('planned every manifest operation before it reported ready: the first request by id is a plan-cache hit', async () => {
    // Each distinct text once: the plan cache is keyed by it.
    const plannable = new Set([manifest, ...otherManifests].flatMap((client) => client.operations.filter((entry) => entry.type !== 'subscription').map((entry) => entry.body)))
      .size;
    expect(plannedAtStart).toEqual({ ready: 200, planned: plannable, misses: 0, hits: 0 });
    const result = await post(required, { documentId: `sha256:${products.id}`, variables: { first: 2 } });
    expect(result.status).toBe(200);
    expect((result.body.data?.['products'] as { edges: unknown[] }).edges).toHaveLength(2);
    expect(await readCounter(required.url, 'gateway_query_plan_cache_hits_total')).toBe(1);
    expect(await readCounter(required.url, 'gateway_query_plan_cache_misses_total')).toBe(0);
  });

  it("runs every query of the manifest by id, over POST (documentId and Apollo's extension) and GET", async () => {
    for (const entry of manifest.operations.filter((candidate) => candidate.type === 'query')) {
      const shapes = [
        await post(required, { documentId: `sha256:${entry.id}` }, { authorization: `Bearer ${customer.token}` }),
        await post(required, { extensions: { persistedQuery: { version: 1, sha256Hash: entry.id } } }, { authorization: `Bearer ${customer.token}` }),
        await get(required, { documentId: `sha256:${entry.id}` }, { authorization: `Bearer ${customer.token}` }),
        await get(required, { extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: entry.id } }) }, { authorization: `Bearer ${customer.token}` }),
      ];
      for (const result of shapes) {
        // Operations with required variables fail validation for the lack of them: proof they were resolved and parsed.
        expect(
          codes(result).filter((code) => String(code).startsWith('PERSISTED_QUERY')),
          entry.name,
        ).toEqual([]);
        expect(result.body.data !== undefined || codes(result).includes('BAD_USER_INPUT') || codes(result).includes('GRAPHQL_VALIDATION_FAILED'), entry.name).toBe(true);
      }
    }
  });

  it('runs a body identical to a manifest entry', async () => {
    const result = await post(required, { query: categories.body });
    expect(result.status).toBe(200);
    expect((result.body.data?.['categories'] as unknown[]).length).toBeGreaterThan(0);
  });

  it('refuses anything else with 400 PERSISTED_QUERY_NOT_IN_LIST, and asks no subgraph', async () => {
    const before = await subgraphFetches(required);
    const unknownBody = '{ categories { id name } }';
    const refused = [
      await post(required, { query: unknownBody }),
      // The same operation in another spelling, with an alias, with a fragment: not the manifest's text.
      await post(required, { query: categories.body.replace('{ categories', '{  categories') }),
      await post(required, { query: 'query Categories { all: categories { id name slug } }' }),
      await post(required, { query: 'query Categories { categories { ...C } } fragment C on Category { id name slug }' }),
      // Unknown ids, either way.
      await post(required, { documentId: `sha256:${sha256(unknownBody)}` }),
      await post(required, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(unknownBody) } } }),
      // APQ registration: the hash with its text.
      await post(required, { query: unknownBody, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(unknownBody) } } }),
      // A known id with another text.
      await post(required, { query: unknownBody, documentId: `sha256:${categories.id}` }),
      // GET, and a batch with one unknown element.
      await get(required, { query: unknownBody }),
      await get(required, { documentId: `sha256:${sha256(unknownBody)}` }),
      await post(required, [{ query: categories.body }, { query: unknownBody }]),
    ];
    expect(refused.map((result) => [result.status, codes(result)])).toEqual(refused.map(() => [400, ['PERSISTED_QUERY_NOT_IN_LIST']]));
    expect(await subgraphFetches(required)).toBe(before);
  });

  it("refuses an unknown subscription over graphql-ws, multipart and SSE; runs the manifest's by id", async () => {
    const unknown = 'subscription ($id: ID!) { orderStatusChanged(orderId: $id) { id } }';
    const variables = { id: '00000000-0000-4000-8000-000000000000' };
    const ws = wsClient(graphqlUrl(required), customer.token);
    try {
      const overWs = await collect(ws, unknown, variables).ended;
      expect(overWs.errors?.map((error) => error.extensions?.['code'])).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    } finally {
      await ws.dispose();
    }
    const multipart = await subscribeMultipart(graphqlUrl(required), unknown, variables, customer.token);
    expect(multipart.kind === 'json' ? [multipart.status, multipart.body.errors?.[0]?.extensions?.['code']] : multipart.kind).toEqual([400, 'PERSISTED_QUERY_NOT_IN_LIST']);
    const sse = createSseClient({ url: graphqlUrl(required), singleConnection: false, headers: { authorization: `Bearer ${customer.token}` }, retryAttempts: 0 });
    const sseError = await new Promise<unknown>((resolve) =>
      sse.subscribe({ query: unknown, variables }, { next: () => resolve('a result'), error: resolve, complete: () => resolve('completed') }),
    );
    sse.dispose();
    expect(String(sseError)).toMatch(/400|PERSISTED_QUERY_NOT_IN_LIST/);

    // By id the same transports resolve it: someone else's (an unknown) order is NOT_FOUND, not a refusal.
    const byId = wsClient(graphqlUrl(required), customer.token);
    try {
      const end = await new Promise<{ errors?: readonly { extensions?: Record<string, unknown> }[] }>((resolve) => {
        byId.subscribe(
          { query: '', variables: { orderId: variables.id }, extensions: { persistedQuery: { version: 1, sha256Hash: watch.id } } },
          { next: () => undefined, error: (errors) => resolve({ errors: errors as { extensions?: Record<string, unknown> }[] }), complete: () => resolve({}) },
        );
      });
      expect(end.errors?.map((error) => error.extensions?.['code'])).toEqual(['NOT_FOUND']);
    } finally {
      await byId.dispose();
    }
  });

  it('answers an anonymous GET by id with a Cache-Control a CDN can use; never one with a token', async () => {
    const anonymous = await get(required, { documentId: `sha256:${categories.id}` });
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get('cache-control')).toBe('public, max-age=60');
    expect(anonymous.headers.get('vary')).toMatch(/authorization/i);
    const signedIn = await get(required, { documentId: `sha256:${categories.id}` }, { authorization: `Bearer ${customer.token}` });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get('cache-control')).toBe('no-store');
    const overPost = await post(required, { documentId: `sha256:${categories.id}` });
    expect(overPost.headers.get('cache-control')).toBe('no-store');
  });

  it('counts requests as persisted and refused, per client name', async () => {
    const client = { 'apollographql-client-name': 'ios' };
    const read = (outcome: string) => readCounter(required.url, 'gateway_persisted_documents_requests_total', `outcome="${outcome}",client="ios"`);
    const before = { persisted: await read('persisted'), refused: await read('refused') };
    await post(required, { documentId: `sha256:${categories.id}` }, client);
    await post(required, { query: '{ categories { id } }' }, client);
    await post(required, { query: '{ categories { slug } }' }, { 'graphql-client-name': 'ios' });
    expect({ persisted: await read('persisted'), refused: await read('refused') }).toEqual({ persisted: before.persisted + 1, refused: before.refused + 2 });
  });
});

describe('PERSISTED_DOCUMENTS=log and allow', () => {
  it('log: runs arbitrary operations and counts them as ad-hoc; known ids still resolve', async () => {
    const read = (outcome: string) => readCounter(logged.url, 'gateway_persisted_documents_requests_total', `outcome="${outcome}",client="staging-app"`);
    const adHoc = await post(logged, { query: '{ categories { slug } }' }, { 'apollographql-client-name': 'staging-app' });
    expect(adHoc.status).toBe(200);
    expect((adHoc.body.data?.['categories'] as unknown[]).length).toBeGreaterThan(0);
    const byId = await post(logged, { documentId: `sha256:${categories.id}` }, { 'apollographql-client-name': 'staging-app' });
    expect(byId.status).toBe(200);
    expect({ adHoc: await read('ad-hoc'), persisted: await read('persisted'), refused: await read('refused') }).toEqual({ adHoc: 1, persisted: 1, refused: 0 });
  });

  it('allow: runs arbitrary operations and ids; APQ registration works; an unknown documentId is PERSISTED_QUERY_NOT_FOUND', async () => {
    const gateway = supergraph.gatewayUrl.replace(/\/graphql$/, '');
    expect((await post(gateway, { query: '{ categories { name } }' })).status).toBe(200);
    expect((await get(gateway, { documentId: `sha256:${categories.id}` })).body.data?.['categories']).toBeDefined();

    const text = `{ categories { id slug } }`;
    const persistedQuery = { version: 1, sha256Hash: sha256(text) };
    const first = await post(gateway, { extensions: { persistedQuery } });
    expect(codes(first)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const registered = await post(gateway, { query: text, extensions: { persistedQuery } });
    expect(registered.status).toBe(200);
    const again = await post(gateway, { extensions: { persistedQuery } });
    expect((again.body.data?.['categories'] as unknown[]).length).toBeGreaterThan(0);

    const unknown = await post(gateway, { documentId: `sha256:${sha256('{ nothing }')}` });
    expect([unknown.status, codes(unknown)]).toEqual([400, ['PERSISTED_QUERY_NOT_FOUND']]);
  });

  it('production defaults to require, development and tests to allow', () => {
    expect(loadGatewayConfig({ NODE_ENV: 'production' }).trustedDocuments.mode).toBe('require');
    expect(loadGatewayConfig({ NODE_ENV: 'development' }).trustedDocuments.mode).toBe('allow');
    expect(loadGatewayConfig({ NODE_ENV: 'production', PERSISTED_DOCUMENTS: 'log' }).trustedDocuments.mode).toBe('log');
  });
});
