// A subgraph's own settings from the configuration file reach its transport: over real HTTP to
// subgraphs that never answer, each attempt ends at the file's deadline for that subgraph (not
// SUBGRAPH_TIMEOUT_MS's minute), and `subgraphs.catalog.retries: 0` makes one attempt where orders,
// under SUBGRAPH_RETRIES, makes three.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../config.ts';
import { createFetchPipeline } from '../fetch/pipeline.ts';
import { createSubgraphTransport } from '../fetch/transport.ts';
import { createResilience } from '../resilience/resilience.ts';

const directory = mkdtempSync(join(tmpdir(), 'gateway-subgraph-settings-'));
const attempts = new Map<string, number>();
const held: ServerResponse[] = [];
// Counts the attempts per path and never answers.
const silent = createServer((req, res) => {
  attempts.set(req.url ?? '', (attempts.get(req.url ?? '') ?? 0) + 1);
  held.push(res);
});
let base = '';
beforeAll(async () => {
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  base = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of held) res.destroy();
  silent.close();
  rmSync(directory, { recursive: true, force: true });
});

describe("a subgraph's own settings", () => {
  it('replace the settings of every subgraph for that subgraph only', async () => {
    const path = join(directory, 'gateway.config.yaml');
    // Deadlines of their own: under SUBGRAPH_TIMEOUT_MS alone (a minute) the fetches would outlast the test.
    writeFileSync(
      path,
      ['subgraphs:', '  catalog:', '    retries: 0', '    timeoutMs: 200', `    url: ${base}/catalog`, '  orders:', '    timeoutMs: 200', `    url: ${base}/orders`].join('\n'),
    );
    const config = loadGatewayConfig({
      GATEWAY_CONFIG_FILE: path,
      SUBGRAPH_RETRIES: '2',
      SUBGRAPH_TIMEOUT_MS: '60000',
    });
    // The gateway's always-on fetch layers, as server.ts makes them from the configuration.
    const features = [
      createResilience({ resilience: config.resilience, subgraphs: config.subgraphs }, { registry: new Registry() }),
      createSubgraphTransport({ subgraphs: config.subgraphs, timeoutMs: config.subgraphTimeoutMs, connections: config.resilience.maxConcurrent }),
    ];
    const fetcher = createFetchPipeline(features, Object.keys(config.subgraphs));
    try {
      const fetchFrom = (name: string) => fetcher.send(name, { query: '{ __typename }' }, { viewer: null, requestId: `settings-${name}` });
      const [catalog, orders] = await Promise.allSettled([fetchFrom('catalog'), fetchFrom('orders')]);
      for (const outcome of [catalog, orders]) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toMatchObject({ extensions: { code: 'SUBGRAPH_UNAVAILABLE', reason: 'timeout' } });
      }
      expect(Object.fromEntries(attempts)).toEqual({ '/catalog': 1, '/orders': 3 });
    } finally {
      for (const feature of features.toReversed()) await feature.stop?.();
    }
  });
});
