import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoProducts } from '../prisma/seed-data.ts';
import { startLocalSupergraph } from '../scripts/local-supergraph.ts';
import { subgraphModules } from '../subgraphs/index.ts';
import { graphql } from './support/graphql-client.ts';

// No DATABASE_URL_* at all: what `npm start` does on a fresh clone.
const dataDir = await mkdtemp(join(tmpdir(), 'supergraph-embedded-'));
const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir };
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('the embedded default', () => {
  it('boots from an empty data folder, serves the catalog, and keeps what it stored across a restart', { timeout: 120_000 }, async () => {
    expect(await readdir(dataDir)).toEqual([]);
    const first = await startLocalSupergraph({ ephemeralPorts: true, env });
    let email: string;
    try {
      const products = await graphql<{ products: { totalCount: number; edges: { node: { inventory: { available: number } } }[] } }>(
        first.gatewayUrl,
        '{ products(first: 5) { totalCount edges { node { name inventory { available } } } } }',
      );
      expect(products.errors).toBeUndefined();
      expect(products.data?.products.totalCount).toBe(demoProducts.length);
      expect(products.data?.products.edges.every(({ node }) => node.inventory !== null)).toBe(true);
      email = `persisted-${Date.now()}@shop.test`;
      const signUp = await graphql(first.gatewayUrl, 'mutation ($input: SignUpInput!) { signUp(input: $input) { user { id } } }', {
        input: { email, password: 'persisted password', name: 'Persisted' },
      });
      expect(signUp.errors).toBeUndefined();
    } finally {
      await first.stop();
    }
    expect((await readdir(dataDir)).sort()).toEqual(subgraphModules.map((module) => module.name).sort());

    const second = await startLocalSupergraph({ ephemeralPorts: true, env });
    try {
      const logIn = await graphql<{ logIn: { user: { id: string } } }>(second.gatewayUrl, 'mutation ($input: LogInInput!) { logIn(input: $input) { user { id } } }', {
        input: { email, password: 'persisted password' },
      });
      expect(logIn.errors).toBeUndefined();
      const count = await graphql<{ products: { totalCount: number } }>(second.gatewayUrl, '{ products { totalCount } }');
      expect(count.data?.products.totalCount).toBe(demoProducts.length);
    } finally {
      await second.stop();
    }
  });
});
