import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config.ts';
import { startGateway } from '../../gateway/start-gateway.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { errorCodes, graphql } from '../support/graphql-client.ts';
import { readCounter } from '../support/metrics.ts';
import { logInAsAdmin, type Session } from '../support/sessions.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';
import { waitFor } from '../support/wait-for.ts';

const TIMEOUT_MS = 1_500;
const resilienceEnv = {
  SUBGRAPH_TIMEOUT_MS: String(TIMEOUT_MS),
  SUBGRAPH_RETRIES: '1',
  SUBGRAPH_BREAKER_THRESHOLD: '3',
  SUBGRAPH_BREAKER_HALF_OPEN_MS: '1000',
};

let supergraph: TestSupergraph;
let admin: Session;

beforeAll(async () => {
  supergraph = await startTestSupergraph({ env: resilienceEnv });
  admin = await logInAsAdmin(supergraph.gatewayUrl);
});
afterAll(() => supergraph?.stop());

const PRODUCTS = /* GraphQL */ `query ResilientProducts { products(first: 5) { edges { node { id name inventory { available } } } } }`;
const breakerState = (gatewayUrl: string, subgraph: string) =>
  readCounter(new URL('/', gatewayUrl).toString().replace(/\/$/, ''), 'gateway_subgraph_breaker_state', `subgraph="${subgraph}"`);

describe('a subgraph that goes down', () => {
  it('keeps answering with the other subgraphs’ data, opens the breaker, and recovers', async () => {
    const gateway = supergraph.gatewayUrl;
    await supergraph.stopSubgraph('inventory');
    try {
      for (let request = 0; request < 8; request += 1) {
        const started = performance.now();
        const response = await graphql<{ products: { edges: { node: { name: string; inventory: unknown } }[] } }>(gateway, PRODUCTS);
        expect(performance.now() - started).toBeLessThan(TIMEOUT_MS * 2);
        expect(response.data?.products.edges).toHaveLength(5);
        expect(response.data?.products.edges.every(({ node }) => node.name.length > 0 && node.inventory === null)).toBe(true);
        expect(new Set(errorCodes(response))).toEqual(new Set(['SUBGRAPH_UNAVAILABLE']));
      }
      expect(await breakerState(gateway, 'inventory')).toBe(1);
      // The gateway stays ready (it still serves everything else), and its report names the subgraph.
      const ready = await fetch(new URL('/health/ready', gateway));
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: 'degraded',
        checks: { supergraph: { status: 'ok' }, 'subgraph:inventory': { status: 'unavailable', critical: false }, 'subgraph:catalog': { status: 'ok' } },
      });
    } finally {
      await supergraph.startSubgraph('inventory');
    }
    const healed = await waitFor(
      () => graphql<{ products: { edges: { node: { inventory: unknown } }[] } }>(gateway, PRODUCTS),
      (response) => response.errors === undefined,
      { what: 'full data after inventory returns', timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(healed.data?.products.edges.every(({ node }) => node.inventory !== null)).toBe(true);
    expect(await breakerState(gateway, 'inventory')).toBe(0);
  });
});

describe('a slow or flaky subgraph', () => {
  let proxy: FaultProxy;
  let gateway: { url: string; stop(): Promise<void> };
  let gatewayUrl: string;

  beforeAll(async () => {
    // A gateway of the test's own, reaching catalog through a proxy that can misbehave.
    proxy = await startFaultProxy(supergraph.subgraphs['catalog']!.url);
    const urls = Object.fromEntries(Object.values(supergraph.subgraphs).map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, `${subgraph.url}/graphql`]));
    gateway = await startGateway(
      loadGatewayConfig({
        ...resilienceEnv,
        // These tests count attempts: a breaker opened by the previous test would hide them.
        SUBGRAPH_BREAKER_THRESHOLD: '100',
        ...urls,
        SUBGRAPH_URL_CATALOG: `${proxy.url}/graphql`,
        JWKS_URL: `${supergraph.subgraphs['accounts']!.url}/.well-known/jwks.json`,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
      }),
      { bus: supergraph.bus },
    );
    gatewayUrl = `${gateway.url}/graphql`;
  });
  afterAll(async () => {
    await gateway?.stop();
    await proxy?.close();
  });

  it('times out a slow subgraph without holding the other requests', async () => {
    proxy.setMode({ kind: 'slow', delayMs: TIMEOUT_MS * 3 });
    try {
      const started = performance.now();
      const [slow, fast] = await Promise.all([
        graphql(gatewayUrl, `{ products(first: 2) { totalCount } }`),
        (async () => {
          const begin = performance.now();
          const response = await graphql(gatewayUrl, `{ me { id } }`, {}, { token: admin.token });
          return { response, ms: performance.now() - begin };
        })(),
      ]);
      expect(errorCodes(slow)).toContain('SUBGRAPH_UNAVAILABLE');
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS * 2 + 1_000); // one try and one retry, each bounded
      expect(fast.response.errors).toBeUndefined();
      expect(fast.ms).toBeLessThan(TIMEOUT_MS);
    } finally {
      proxy.setMode({ kind: 'pass' });
    }
  });

  it('retries a query whose answer was lost, and never a mutation', async () => {
    proxy.setMode({ kind: 'lose-responses' });
    try {
      proxy.received.length = 0;
      const query = await graphql(gatewayUrl, `query LostAnswer { categories { id } }`);
      expect(errorCodes(query)).toEqual(['SUBGRAPH_UNAVAILABLE']);
      expect(proxy.received.filter((body) => body.includes('LostAnswer'))).toHaveLength(2);

      proxy.received.length = 0;
      const mutation = await graphql(
        gatewayUrl,
        `mutation LostMutation($id: ID!) { updateProduct(id: $id, input: { description: "retried?" }) { id } }`,
        { id: (await graphql<{ products: { edges: { node: { id: string } }[] } }>(supergraph.gatewayUrl, PRODUCTS)).data!.products.edges[0]!.node.id },
        { token: admin.token },
      );
      expect(errorCodes(mutation)).toEqual(['SUBGRAPH_UNAVAILABLE']);
      expect(proxy.received.filter((body) => body.includes('LostMutation'))).toHaveLength(1);
    } finally {
      proxy.setMode({ kind: 'pass' });
    }
  });
});
