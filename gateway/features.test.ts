// The feature contract from the outside: a feature of one's own, given to createGatewayServer as a
// plugin, is composed like the gateway's (its middleware, route, context, Apollo plugin, readiness
// entry, start and stop), over real HTTP; and the composition's order rules (gateway/feature.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.ts';
import { createInProcessBus } from '../common/messaging/in-process-bus.ts';
import { createMetrics } from '../common/metrics.ts';
import { composeFixture, FIXTURE_SUBGRAPHS } from '../test/support/federation-fixture.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../test/support/mock-subgraphs.ts';
import { composeFeatures } from './compose-features.ts';
import { loadGatewayConfig } from './config.ts';
import type { GatewayContext } from './context.ts';
import type { GatewayFeature } from './feature.ts';
import { createGatewayServer, type GatewayServer } from './server.ts';

describe('composing features', () => {
  const recorder = () => {
    const calls: string[] = [];
    const feature = (name: string): GatewayFeature => ({
      name,
      http: (next) => async (req, res) => {
        calls.push(`http ${name}`);
        await next(req, res);
      },
      formatError: (formatted) => ({ ...formatted, message: `${formatted.message} ${name}` }),
      start: async () => void calls.push(`start ${name}`),
      drain: async () => void calls.push(`drain ${name}`),
      stop: async () => {
        calls.push(`stop ${name}`);
        if (name === 'a') throw new Error('a failed to stop');
      },
    });
    return { calls, composed: composeFeatures([feature('a'), feature('b')]) };
  };

  it('runs hooks in list order, the first middleware outermost; start in order, drain and stop in reverse, every stop even after a failure', async () => {
    const { calls, composed } = recorder();
    await composed.http(() => void calls.push('handler'))({} as never, {} as never);
    expect(composed.formatError({ message: 'm' }, undefined).message).toBe('m a b');
    await composed.start();
    await composed.drain();
    await expect(composed.stop()).rejects.toThrow('a failed to stop');
    expect(calls).toEqual(['http a', 'http b', 'handler', 'start a', 'start b', 'drain b', 'drain a', 'stop b', 'stop a']);
  });

  it('refuses two features of one name, a route served twice, and a route of the HTTP service', () => {
    expect(() => composeFeatures([{ name: 'x' }, { name: 'x' }])).toThrow('two gateway features are named "x"');
    const route = { '/info': () => undefined };
    expect(() =>
      composeFeatures([
        { name: 'x', routes: route },
        { name: 'y', routes: route },
      ]),
    ).toThrow('/info');
    expect(() => composeFeatures([{ name: 'x', routes: { '/metrics': () => undefined } }])).toThrow('/metrics');
  });

  it('builds the context in list order, each feature seeing what the ones before it added', async () => {
    const seen: Partial<GatewayContext>[] = [];
    const composed = composeFeatures([
      { name: 'id', context: () => ({ requestId: 'r1', log: createLogger('test', 'silent') }) },
      {
        name: 'viewer',
        context: (_req, context) => {
          seen.push({ ...context });
          return { viewer: { id: 'u1', role: 'CUSTOMER' } };
        },
      },
    ]);
    const context = await composed.context({} as never);
    expect(seen.map((context) => context.requestId)).toEqual(['r1']);
    expect(context).toMatchObject({ requestId: 'r1', viewer: { id: 'u1', role: 'CUSTOMER' } });
    await expect(composeFeatures([]).context({} as never)).rejects.toThrow('no gateway feature sets the request id');
  });
});

describe('a feature given to createGatewayServer as a plugin', () => {
  let mocks: MockSubgraphs;
  let server: GatewayServer;
  let url: string;
  const events: string[] = [];
  const contexts: Partial<GatewayContext>[] = [];
  const tenant: GatewayFeature = {
    name: 'tenant',
    http: (next) => (req, res) => {
      res.setHeader('x-tenant-seen', String(req.headers['x-tenant'] ?? 'none'));
      return next(req, res);
    },
    routes: { '/tenant': (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('tenants') },
    context: (_req, context) => {
      contexts.push({ ...context });
      return {};
    },
    apolloPlugins: [{ requestDidStart: async () => ({ willSendResponse: async ({ response }) => void response.http.headers.set('x-tenant-plugin', 'ran') }) }],
    healthChecks: [{ name: 'tenant-directory', critical: false, check: async () => Promise.reject(new Error('directory down')) }],
    start: async () => void events.push('start'),
    stop: async () => void events.push('stop'),
  };

  beforeAll(async () => {
    mocks = await startMockSubgraphs(FIXTURE_SUBGRAPHS);
    const supergraphSdl = composeFixture(Object.fromEntries(mocks.subgraphs.map((subgraph) => [subgraph.name, subgraph.url])));
    const config = loadGatewayConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_ENABLED: 'false',
      ...Object.fromEntries(mocks.subgraphs.map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, subgraph.url])),
    });
    const bus = createInProcessBus({ log: createLogger('test', 'silent') });
    server = createGatewayServer({ config, supergraphSdl, log: createLogger('gateway', 'silent'), metrics: createMetrics('gateway'), bus, plugins: [tenant] });
    url = await server.listen(0, '127.0.0.1');
    expect(events).toEqual(['start']);
  });
  afterAll(async () => {
    await mocks?.stop();
  });

  it('wraps /graphql, adds its route, context, Apollo plugin and readiness entry, and stops with the gateway', async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant': 'acme' },
      body: JSON.stringify({ query: '{ topProducts(first: 1) { upc } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tenant-seen')).toBe('acme');
    expect(response.headers.get('x-tenant-plugin')).toBe('ran');
    expect(((await response.json()) as { data: { topProducts: unknown[] } }).data.topProducts).toHaveLength(1);
    // After the gateway's own context: the request id and the viewer are there already.
    expect(contexts.at(-1)).toMatchObject({ requestId: response.headers.get('x-request-id'), viewer: null });

    const route = await fetch(`${url}/tenant`);
    expect(await route.text()).toBe('tenants');

    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200); // not critical: degraded, still ready
    expect(await ready.json()).toMatchObject({
      status: 'degraded',
      checks: { 'tenant-directory': { status: 'unavailable', error: 'directory down' }, supergraph: { status: 'ok' } },
    });

    await server.stop();
    expect(events).toEqual(['start', 'stop']);
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  });
});
