import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../gateway/config.ts';
import { loadAccountsConfig } from '../subgraphs/accounts/config.ts';
import { ConfigError } from './config.ts';
import { loadSubgraphConfig } from './service/subgraph-config.ts';

const issuesOf = (load: () => unknown): readonly string[] => {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration fails fast and names the variable', () => {
  it('runs on a laptop with no variables at all', () => {
    const config = loadSubgraphConfig('catalog', {});
    expect(config).toMatchObject({ port: 4002, databaseUrl: undefined, migrateOnStart: true });
    expect(loadGatewayConfig({}).subgraphs.inventory.url).toBe('http://localhost:4003/graphql');
  });

  it('names a bad port, a bad database URL and a bad flag', () => {
    expect(issuesOf(() => loadSubgraphConfig('catalog', { PORT: 'eighty' }))[0]).toMatch(/^PORT: /);
    expect(issuesOf(() => loadSubgraphConfig('catalog', { DATABASE_URL_CATALOG: 'mysql://x' }))).toEqual([
      'DATABASE_URL_CATALOG: must be a postgresql:// URL',
    ]);
    expect(issuesOf(() => loadSubgraphConfig('inventory', { SEED_DEMO_DATA: 'maybe' }))[0]).toMatch(/^SEED_DEMO_DATA: /);
    expect(issuesOf(() => loadAccountsConfig({ JWT_TTL_SECONDS: '-1' }))[0]).toMatch(/^JWT_TTL_SECONDS: /);
    expect(issuesOf(() => loadGatewayConfig({ SUBGRAPH_URL_CATALOG: 'not a url' }))).toEqual(['SUBGRAPH_URL_CATALOG: must be a URL']);
  });

  it('refuses the laptop secrets in production', () => {
    expect(issuesOf(() => loadSubgraphConfig('accounts', { NODE_ENV: 'production' }))).toEqual([
      'SUBGRAPH_SECRET: required when NODE_ENV=production',
    ]);
    expect(loadGatewayConfig({ NODE_ENV: 'production' }).subgraphs.catalog.secret).toBeUndefined();
  });
});
