// The example plugin (examples/tenant-header/) over a real gateway and mock subgraphs: the tenant a
// client names reaches the chosen subgraph only, a bad value is refused before anything is fetched,
// and without the plugin the same client header reaches no subgraph at all.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURE_SUBGRAPHS } from '../../test/support/federation-fixture.ts';
import { startGatewayOverMocks, type GatewayOverMocks } from '../../test/support/gateway-over-mocks.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';
import { createTenantHeader } from './tenant-header.ts';

// Reaches catalog (topProducts), inventory (inStock), orders (reviews) and accounts (me).
const QUERY = '{ me { id name } topProducts { upc name inStock reviews { id body } } }';

let mocks: MockSubgraphs;
let withPlugin: GatewayOverMocks;
let withoutPlugin: GatewayOverMocks;

beforeAll(async () => {
  mocks = await startMockSubgraphs(FIXTURE_SUBGRAPHS);
  withPlugin = await startGatewayOverMocks(mocks, FIXTURE_SUBGRAPHS, {}, [createTenantHeader({ subgraphs: ['inventory'] })]);
  withoutPlugin = await startGatewayOverMocks(mocks, FIXTURE_SUBGRAPHS);
});
afterAll(async () => {
  await withPlugin?.stop();
  await withoutPlugin?.stop();
  await mocks?.stop();
});
beforeEach(() => {
  for (const list of mocks.received.values()) list.length = 0;
  for (const list of mocks.receivedHeaders.values()) list.length = 0;
});

async function post(url: string, headers: Record<string, string>): Promise<{ status: number; body: { data?: unknown; errors?: { extensions?: { code?: string } }[] } }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: QUERY }) });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] } };
}

/** The tenant header each subgraph request carried, by subgraph (undefined: none). */
const tenantsSeen = () => Object.fromEntries([...mocks.receivedHeaders].map(([name, requests]) => [name, requests.map((headers) => headers['x-tenant-id'])]));

describe('the tenant-header plugin', () => {
  it('carries the client’s tenant to the chosen subgraph, and to it only', async () => {
    const { status, body } = await post(withPlugin.url, { 'x-tenant-id': 'acme-42' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const seen = tenantsSeen();
    expect(seen['inventory']!.length).toBeGreaterThan(0);
    expect(seen['inventory']!.every((tenant) => tenant === 'acme-42')).toBe(true);
    for (const other of ['accounts', 'catalog', 'orders']) {
      expect(seen[other]!.length).toBeGreaterThan(0);
      expect(seen[other]!.every((tenant) => tenant === undefined)).toBe(true);
    }
  });

  it('sends no tenant when the client names none', async () => {
    const { status, body } = await post(withPlugin.url, {});
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const all = Object.values(tenantsSeen()).flat();
    expect(all.length).toBeGreaterThan(3);
    expect(all.every((tenant) => tenant === undefined)).toBe(true);
  });

  it('refuses a tenant that is not a plain identifier before fetching anything', async () => {
    const { status, body } = await post(withPlugin.url, { 'x-tenant-id': 'acme, x-user-id: 1' });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect([...mocks.received.values()].flat()).toEqual([]);
  });

  it('without the plugin, the same client header reaches no subgraph (the gateway forwards no client header)', async () => {
    const { status, body } = await post(withoutPlugin.url, { 'x-tenant-id': 'acme-42' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const all = Object.values(tenantsSeen()).flat();
    expect(all.length).toBeGreaterThan(3);
    expect(all.every((tenant) => tenant === undefined)).toBe(true);
  });
});
