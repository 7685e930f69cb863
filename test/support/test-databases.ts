import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { SubgraphName } from '../../common/service/subgraph-config.ts';

/** The real PostgreSQL the machine runs; tests make their own databases in it. */
export const POSTGRES_ADMIN_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabases {
  readonly urls: Record<SubgraphName, string>;
  drop(): Promise<void>;
}

async function withAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** One uniquely named database per service, dropped by `drop()` (connections and all). */
export async function createTestDatabases(services: readonly SubgraphName[]): Promise<TestDatabases> {
  const runId = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const names = Object.fromEntries(services.map((service) => [service, `sg_${runId}_${service}`])) as Record<SubgraphName, string>;
  await Promise.all(Object.values(names).map((name) => withAdmin((client) => client.query(`CREATE DATABASE "${name}"`))));
  const base = new URL(POSTGRES_ADMIN_URL);
  const urls = Object.fromEntries(
    Object.entries(names).map(([service, name]) => {
      const url = new URL(base);
      url.pathname = `/${name}`;
      return [service, url.toString()];
    }),
  ) as Record<SubgraphName, string>;
  return {
    urls,
    // Side by side, one connection each: a forced drop waits for its database's sessions to end.
    drop: async () => {
      await Promise.all(Object.values(names).map((name) => withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))));
    },
  };
}
