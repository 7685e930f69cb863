// The subgraph fetch as a pipeline, from the outside: layers run in the order of their stage
// whatever order the features come in; the transport sends what layers added and returns the
// subgraph's headers; dedup hands each caller a response of its own. Over a real HTTP server.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GATEWAY_CREDENTIAL_HEADER } from '../../common/gateway-credential.ts';
import { createDedup } from '../dedup/dedup.ts';
import type { GatewayFeature } from '../feature.ts';
import { createResilience } from '../resilience/resilience.ts';
import { STAGES, type FetchStage, type SubgraphCaller } from './fetch-types.ts';
import { createFetchPipeline } from './pipeline.ts';
import { createSubgraphTransport } from './transport.ts';

let server: Server;
let url: string;
const seen: { body: string; headers: IncomingHttpHeaders }[] = [];
// Answers wait until released, so that fetches overlap without relying on timings.
let release: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      void gate.then(() => {
        res.setHeader('Set-Cookie', ['a=1', 'b=2']);
        res.setHeader('X-Subgraph', 'S');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { hello: 'world', list: [1, 2] } }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen.length = 0;
  gate = Promise.resolve();
});

const transport = () => createSubgraphTransport({ subgraphs: { s: { url, secret: 'secret' } }, timeoutMs: 5_000, connections: 4 });
const resilience = () =>
  createResilience(
    { resilience: { retries: 0, breakerThreshold: 5, halfOpenAfterMs: 1_000, maxConcurrent: 4, maxQueued: 10 }, subgraphs: { s: {} } },
    { registry: new Registry() },
  );
const caller = (id: string | null): SubgraphCaller => ({ viewer: id ? { id, role: 'CUSTOMER' } : null, requestId: `request-${id ?? 'anonymous'}` });

async function stopAll(features: readonly GatewayFeature[]) {
  for (const feature of features.toReversed()) await feature.stop?.();
}

describe('the fetch pipeline', () => {
  it('runs the layers in the order of their stages, whatever order the features are listed in', async () => {
    const order: FetchStage[] = [];
    const recorder = (stage: FetchStage): GatewayFeature => ({
      name: stage,
      fetch: {
        stage,
        handle: (fetch, next) => {
          order.push(stage);
          return next(fetch);
        },
      },
    });
    const bottom = transport();
    const features = [recorder('resilience'), bottom, recorder('headers'), { name: 'no fetch layer' }, recorder('batch'), recorder('cache'), recorder('dedup')];
    const fetcher = createFetchPipeline(features, ['s']);
    expect(await fetcher.send('s', { query: '{ hello }' }, caller(null))).toEqual({ data: { hello: 'world', list: [1, 2] } });
    expect(order).toEqual(STAGES.filter((stage) => stage !== 'transport'));
    expect(fetcher.has('s')).toBe(true);
    expect(fetcher.has('other')).toBe(false);
    await stopAll(features);
  });

  it('needs exactly one transport', async () => {
    expect(() => createFetchPipeline([resilience()], ['s'])).toThrow(/exactly one transport layer, found 0/);
    const two = [transport(), transport()];
    expect(() => createFetchPipeline(two, ['s'])).toThrow(/exactly one transport layer, found 2/);
    await stopAll(two);
  });

  it('sends the headers layers added with the gateway’s own, and returns every header of the answer, lower-case', async () => {
    const addsHeaders: GatewayFeature = {
      name: 'adds',
      fetch: { stage: 'headers', handle: (fetch, next) => next({ ...fetch, headers: { 'x-tenant-id': 'acme', 'x-request-id': 'forged' } }) },
    };
    const features = [addsHeaders, resilience(), transport()];
    const fetcher = createFetchPipeline(features, ['s']);
    const reply = await fetcher.fetch({ subgraph: 's', request: { query: '{ hello }' }, caller: caller('u1'), mutation: false, batchable: false });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['x-tenant-id']).toBe('acme');
    // The transport's own headers win over what a layer added.
    expect(seen[0]!.headers['x-request-id']).toBe('request-u1');
    expect(seen[0]!.headers[GATEWAY_CREDENTIAL_HEADER]).toBeTruthy();
    expect(reply.reused).toBe(false);
    expect(reply.headers.get('set-cookie')).toEqual(['a=1', 'b=2']);
    expect(reply.headers.get('x-subgraph')).toEqual(['S']);
    expect(reply.headers.get('content-type')).toEqual(['application/json']);
    await stopAll(features);
  });

  it('dedup: identical queries of one viewer share one fetch, each caller owning its response; other viewers and mutations do not', async () => {
    const features = [createDedup({ enabled: true })!, resilience(), transport()];
    const fetcher = createFetchPipeline(features, ['s']);
    gate = new Promise((resolve) => (release = resolve));
    const query = { query: 'query Q { hello list }' };
    const replies = Promise.all([
      fetcher.fetch({ subgraph: 's', request: query, caller: caller('u1'), mutation: false, batchable: false }),
      fetcher.fetch({ subgraph: 's', request: { ...query }, caller: caller('u1'), mutation: false, batchable: false }),
      fetcher.fetch({ subgraph: 's', request: { ...query }, caller: caller('u2'), mutation: false, batchable: false }),
      fetcher.fetch({ subgraph: 's', request: { query: 'mutation M { hello }' }, caller: caller('u1'), mutation: true, batchable: false }),
      fetcher.fetch({ subgraph: 's', request: { query: 'mutation M { hello }' }, caller: caller('u1'), mutation: true, batchable: false }),
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const [first, shared, otherViewer] = await replies;
    // u1's two queries went once; u2's query and each mutation went on their own.
    expect(seen).toHaveLength(4);
    expect([first!.reused, shared!.reused, otherViewer!.reused]).toEqual([false, true, false]);
    expect(shared!.response).toEqual(first!.response);
    expect(shared!.response).not.toBe(first!.response);
    (first!.response.data as { list: number[] }).list.push(3);
    expect(shared!.response.data).toEqual({ hello: 'world', list: [1, 2] });
    await stopAll(features);
  });
});
