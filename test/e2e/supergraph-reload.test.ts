// Supergraph hot reload from the watched SUPERGRAPH_PATH file, under load: queries keep flowing with
// no failure while the gateway switches, the 199 open subscriptions the new schema still accepts keep
// streaming, one it breaks ends with SUBSCRIPTION_SCHEMA_RELOAD, and a supergraph that does not load
// is refused (counted) while the old one keeps serving. Runs on both infrastructures.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config.ts';
import { startGateway } from '../../gateway/start-gateway.ts';
import { demoProducts } from '../../prisma/seed-data.ts';
import { composeSupergraph } from '../../scripts/schema/compose.ts';
import { readSupergraphConfig } from '../../scripts/schema/supergraph-config.ts';
import { graphql } from '../support/graphql-client.ts';
import { readCounter } from '../support/metrics.ts';
import { logInAsAdmin, type Session } from '../support/sessions.ts';
import { signUpCustomer } from '../support/shop-actions.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';
import { testTiming } from '../support/test-timing.ts';
import { waitFor } from '../support/wait-for.ts';
import { subscribeOver, TRANSPORTS, type AnySubscription } from '../support/any-transport.ts';

const root = resolve(import.meta.dirname, '../..');

/** The repository's supergraph composed without one subgraph. */
async function composedWithout(subgraph: string): Promise<string> {
  const { subgraphs } = await readSupergraphConfig(resolve(root, 'supergraph.yaml'));
  const result = composeSupergraph(subgraphs.filter((source) => source.name !== subgraph));
  if (!result.ok) throw new Error(`composition failed: ${JSON.stringify(result.issues)}`);
  return result.supergraphSdl;
}

/** The repository's supergraph composed with one subgraph schema changed by `edit`. */
async function composedWith(subgraph: string, edit: (sdl: string) => string): Promise<string> {
  const { subgraphs } = await readSupergraphConfig(resolve(root, 'supergraph.yaml'));
  const changed = subgraphs.map((source) => (source.name === subgraph ? { ...source, sdl: edit(source.sdl) } : source));
  const result = composeSupergraph(changed);
  if (!result.ok) throw new Error(`composition failed: ${JSON.stringify(result.issues)}`);
  return result.supergraphSdl;
}

let supergraph: TestSupergraph;
let directory: string;
let supergraphFile: string;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let urls: Record<string, string>;
let url: string;
let admin: Session;
let customer: Session;

beforeAll(async () => {
  supergraph = await startTestSupergraph({ env: { SUBSCRIPTIONS_MAX_PER_USER: '200' } });
  directory = await mkdtemp(join(tmpdir(), 'supergraph-reload-'));
  supergraphFile = join(directory, 'supergraph.graphql');
  await copyFile(resolve(root, 'supergraph.graphql'), supergraphFile);
  urls = Object.fromEntries(Object.values(supergraph.subgraphs).map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, `${subgraph.url}/graphql`]));
  gateway = await startGateway(
    loadGatewayConfig({
      ...supergraph.env,
      ...urls,
      HOST: '127.0.0.1',
      PORT: '0',
      JWKS_URL: `${supergraph.subgraphs['accounts']!.url}/.well-known/jwks.json`,
      SUPERGRAPH_PATH: supergraphFile,
      SUPERGRAPH_WATCH: 'true',
      SUBSCRIPTIONS_MAX_PER_USER: '200',
    }),
    { bus: supergraph.bus },
  );
  url = `${gateway.url}/graphql`;
  [admin, customer] = await Promise.all([logInAsAdmin(url), signUpCustomer(url, 'Reload watcher')]);
});
afterAll(async () => {
  await gateway?.stop();
  await supergraph?.stop();
  if (directory) await rm(directory, { recursive: true, force: true });
});

const activeSubscriptions = () => readCounter(gateway.url, 'gateway_subscriptions_active');
const reloads = (outcome: 'applied' | 'refused') => readCounter(gateway.url, 'gateway_supergraph_reloads_total', `outcome="${outcome}"`);
const product = demoProducts.find((candidate) => candidate.stock >= 10)!;
const VALID = /* GraphQL */ `subscription ($id: ID!) { stockChanged(productId: $id) { id inventory { available } } }`;
const BROKEN = /* GraphQL */ `subscription ($id: ID!) { stockChanged(productId: $id) { id inventory { available reserved } } }`;
const QUERIES = [
  { query: `query Browse { products(first: 5) { edges { node { id name inventory { available } } } } }` },
  { query: `query Me { me { id name } }` },
  { query: `query Product($id: ID!) { product(id: $id) { name inStock } }`, variables: { id: product.id } },
];

/** Sends the queries in a loop, `workers` at a time, until stopped; every response that is not clean is kept. */
function keepQuerying(session: Session, workers: number) {
  let running = true;
  let sent = 0;
  const failures: unknown[] = [];
  const loops = Array.from({ length: workers }, async (_, worker) => {
    for (let n = worker; running; n += 1) {
      const { query, variables } = QUERIES[n % QUERIES.length]!;
      try {
        const response = await graphql(url, query, variables ?? {}, { token: session.token });
        sent += 1;
        if (response.errors) failures.push(response.errors);
      } catch (error) {
        failures.push(String(error));
      }
    }
  });
  return {
    sent: () => sent,
    async stop() {
      running = false;
      await Promise.all(loops);
      return failures;
    },
  };
}

describe('supergraph hot reload from SUPERGRAPH_PATH', () => {
  it(
    'switches under load: no failed request, valid subscriptions keep streaming, a broken one ends with SUBSCRIPTION_SCHEMA_RELOAD',
    { timeout: testTiming.testTimeoutMs },
    async () => {
      const appliedBefore = await reloads('applied');
      // 200 open subscriptions (the per-user limit this gateway is given): 199 valid ones over the three
      // transports, and one the new schema breaks (Inventory.reserved goes).
      const valid: AnySubscription<{ stockChanged: { inventory: { available: number } } }>[] = [];
      for (let n = 0; n < 199; n += 1) valid.push(await subscribeOver(TRANSPORTS[n % 3]!, url, VALID, { id: product.id }, customer.token));
      const broken = await subscribeOver(TRANSPORTS[0], url, BROKEN, { id: product.id }, customer.token);
      onTestFinished(() => [...valid, broken].forEach((subscription) => subscription.dispose()));
      await Promise.all([...valid, broken].map((subscription) => subscription.until((results) => results.length === 1, testTiming.conditionMs)));
      expect(await activeSubscriptions()).toBe(200);

      const load = keepQuerying(customer, 6);
      await waitFor(
        async () => load.sent(),
        (sent) => sent >= 30,
        { what: 'the load to run' },
      );
      const withoutReserved = await composedWith('inventory', (sdl) => sdl.replace(/\n\s*"Units held for orders in progress\."\n\s*reserved: Int!/, ''));
      expect(withoutReserved).not.toContain('reserved: Int!');
      await writeFile(supergraphFile, withoutReserved);
      await waitFor(
        () => reloads('applied'),
        (count) => count === appliedBefore + 1,
        { what: 'the gateway to switch', timeoutMs: 30_000 },
      );
      // The operations the load sent were planned for the new supergraph before the switch.
      expect(await readCounter(gateway.url, 'gateway_supergraph_warmed_plans')).toBeGreaterThanOrEqual(QUERIES.length);
      const sentAtSwitch = load.sent();
      await waitFor(
        async () => load.sent(),
        (sent) => sent >= sentAtSwitch + 30,
        { what: 'requests on the new supergraph' },
      );
      expect(await load.stop()).toEqual([]);

      // The broken one has ended with its code; the valid ones are still open and stream the next change.
      const end = await broken.ended;
      expect(end.errors?.map((error) => error.extensions?.['code'])).toEqual(['SUBSCRIPTION_SCHEMA_RELOAD']);
      const restocked = await graphql<{ restock: { available: number } }>(
        url,
        `mutation ($id: ID!) { restock(productId: $id, quantity: 2) { available } }`,
        { id: product.id },
        { token: admin.token },
      );
      expect(restocked.errors).toBeUndefined();
      await Promise.all(valid.map((subscription) => subscription.until((results) => results.length >= 2, testTiming.conditionMs)));
      for (const subscription of valid) {
        expect(subscription.results.slice(1).every((result) => !result.errors && result.data?.stockChanged.inventory.available !== undefined)).toBe(true);
      }
      // None of the 199 was dropped: every one is still open after the switch and the change.
      expect(await activeSubscriptions()).toBe(199);
      // The new schema is served: the removed field is a validation error now.
      const gone = await graphql(url, `query ($id: ID!) { product(id: $id) { inventory { reserved } } }`, { id: product.id }, { token: admin.token });
      expect(gone.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    },
  );

  it('refuses a supergraph that does not load, counts it, and keeps serving the old one', async () => {
    const refusedBefore = await reloads('refused');
    const appliedBefore = await reloads('applied');
    const working = await readFile(supergraphFile, 'utf8');
    await writeFile(supergraphFile, 'type Query { this is not a supergraph');
    await waitFor(
      () => reloads('refused'),
      (count) => count === refusedBefore + 1,
      { what: 'the broken supergraph to be refused', timeoutMs: 30_000 },
    );
    // One that parses but routes to a subgraph the gateway has no configuration for.
    await writeFile(supergraphFile, working.replace('@join__graph(name: "payments"', '@join__graph(name: "billing"'));
    await waitFor(
      () => reloads('refused'),
      (count) => count === refusedBefore + 2,
      { what: 'the unroutable supergraph to be refused', timeoutMs: 30_000 },
    );
    expect(await reloads('applied')).toBe(appliedBefore);

    const response = await graphql<{ me: { id: string } }>(url, `query { me { id } }`, {}, { token: customer.token });
    expect(response.errors).toBeUndefined();
    expect(response.data?.me.id).toBe(customer.userId);
    const health = await fetch(`${gateway.url}/health/ready`);
    expect(health.status).toBe(200);
  });

  it('routes to a subgraph a reload adds, and readiness follows the supergraph being served', async () => {
    // A second gateway whose first supergraph has no notifications subgraph.
    const file = join(directory, 'without-notifications.graphql');
    const without = await composedWithout('notifications');
    await writeFile(file, without);
    const second = await startGateway(
      loadGatewayConfig({
        ...supergraph.env,
        ...urls,
        HOST: '127.0.0.1',
        PORT: '0',
        JWKS_URL: `${supergraph.subgraphs['accounts']!.url}/.well-known/jwks.json`,
        SUPERGRAPH_PATH: file,
        SUPERGRAPH_WATCH: 'true',
      }),
      { bus: supergraph.bus },
    );
    onTestFinished(() => second.stop());
    const secondUrl = `${second.url}/graphql`;
    const readiness = async () => (await (await fetch(`${second.url}/health/ready`)).json()) as { status: string; checks: Record<string, { status: string }> };
    const applied = () => readCounter(second.url, 'gateway_supergraph_reloads_total', 'outcome="applied"');
    expect(Object.keys((await readiness()).checks)).not.toContain('subgraph:notifications');

    const appliedBefore = await applied();
    await copyFile(resolve(root, 'supergraph.graphql'), file);
    await waitFor(applied, (count) => count === appliedBefore + 1, { what: 'the supergraph with notifications to be served', timeoutMs: 30_000 });
    const response = await graphql<{ me: { id: string; unreadNotificationCount: number } }>(
      secondUrl,
      `query { me { id unreadNotificationCount } }`,
      {},
      { token: customer.token },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.me).toEqual({ id: customer.userId, unreadNotificationCount: expect.any(Number) });
    const withNotifications = await readiness();
    expect(withNotifications.checks['subgraph:notifications']).toMatchObject({ status: 'ok' });

    // And dropped again: readiness no longer waits on it.
    await writeFile(file, without);
    await waitFor(applied, (count) => count === appliedBefore + 2, { what: 'the supergraph without notifications to be served', timeoutMs: 30_000 });
    expect(Object.keys((await readiness()).checks)).not.toContain('subgraph:notifications');
  });
});
