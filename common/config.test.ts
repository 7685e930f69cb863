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
    expect(issuesOf(() => loadSubgraphConfig('catalog', { DATABASE_URL_CATALOG: 'mysql://x' }))).toEqual(['DATABASE_URL_CATALOG: must be a postgresql:// URL']);
    expect(issuesOf(() => loadSubgraphConfig('inventory', { SEED_DEMO_DATA: 'maybe' }))[0]).toMatch(/^SEED_DEMO_DATA: /);
    expect(issuesOf(() => loadAccountsConfig({ JWT_TTL_SECONDS: '-1' }))[0]).toMatch(/^JWT_TTL_SECONDS: /);
    expect(issuesOf(() => loadGatewayConfig({ SUBGRAPH_URL_CATALOG: 'not a url' }))).toEqual(['SUBGRAPH_URL_CATALOG: must be a URL']);
  });

  it("hashes new passwords at production's scrypt cost unless a test lowers it; production refuses a lower one", () => {
    expect(loadAccountsConfig({}).passwordScryptCost).toBe(16_384);
    expect(loadAccountsConfig({ PASSWORD_SCRYPT_COST: '1024' }).passwordScryptCost).toBe(1024);
    expect(issuesOf(() => loadAccountsConfig({ PASSWORD_SCRYPT_COST: '3000' }))).toEqual(['PASSWORD_SCRYPT_COST: must be a power of two']);
    expect(issuesOf(() => loadAccountsConfig({ PASSWORD_SCRYPT_COST: '512' }))[0]).toMatch(/^PASSWORD_SCRYPT_COST: /);
    const production = { NODE_ENV: 'production', SUBGRAPH_SECRET: 'a-production-secret-0123456789abcdef' };
    expect(issuesOf(() => loadAccountsConfig({ ...production, PASSWORD_SCRYPT_COST: '1024' }))).toEqual(['PASSWORD_SCRYPT_COST: must be at least 16384 when NODE_ENV=production']);
    expect(loadAccountsConfig({ ...production, PASSWORD_SCRYPT_COST: '32768' }).passwordScryptCost).toBe(32_768);
  });

  it('refuses the laptop secrets in production', () => {
    expect(issuesOf(() => loadSubgraphConfig('accounts', { NODE_ENV: 'production' }))).toEqual(['SUBGRAPH_SECRET: required when NODE_ENV=production']);
    expect(loadGatewayConfig({ NODE_ENV: 'production' }).subgraphs.catalog.secret).toBeUndefined();
  });

  it('names bad trusted proxies, CORS origins and guarded fields, and reads good ones', () => {
    expect(issuesOf(() => loadGatewayConfig({ TRUSTED_PROXIES: '10.0.0.0/8,proxy.internal', CORS_ORIGINS: 'http://ok.test,ftp://x,http://a.test/path' }))).toEqual([
      'TRUSTED_PROXIES: not an address or CIDR range: proxy.internal',
      'CORS_ORIGINS: not an origin (scheme://host[:port]): ftp://x, http://a.test/path',
    ]);
    expect(issuesOf(() => loadGatewayConfig({ AUTH_RATE_LIMIT_CREDENTIAL_FIELDS: 'logIn' }))[0]).toMatch(/^AUTH_RATE_LIMIT_CREDENTIAL_FIELDS: /);
    const config = loadGatewayConfig({
      TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8',
      AUTH_RATE_LIMIT_CREDENTIAL_FIELDS: 'signIn:credentials.login',
      CORS_ORIGINS: 'https://Shop.Example',
    });
    expect(config.trustedProxies.has('10.9.8.7') && config.trustedProxies.has('fd00::1')).toBe(true);
    expect(config.authThrottle).toEqual({ credentialChecks: [{ field: 'signIn', accountArgument: ['credentials', 'login'] }], everyAttempt: ['signUp'] });
    expect(config.corsOrigins).toEqual(['https://shop.example']);
  });

  it('turns the entity cache on with Redis, and names a store it cannot use', () => {
    expect(loadGatewayConfig({}).entityCache).toMatchObject({ enabled: false, store: 'memory' });
    expect(loadGatewayConfig({ REDIS_URL: 'redis://cache:6379' }).entityCache).toMatchObject({ enabled: true, store: 'redis' });
    expect(loadGatewayConfig({ ENTITY_CACHE_ENABLED: 'true' }).entityCache).toMatchObject({ enabled: true, store: 'memory' });
    expect(loadGatewayConfig({ REDIS_URL: 'redis://cache:6379', ENTITY_CACHE_ENABLED: 'false' }).entityCache.enabled).toBe(false);
    expect(issuesOf(() => loadGatewayConfig({ ENTITY_CACHE_ENABLED: 'true', ENTITY_CACHE_STORE: 'redis' }))).toEqual(['ENTITY_CACHE_STORE: "redis" needs REDIS_URL']);
    expect(issuesOf(() => loadGatewayConfig({ ENTITY_CACHE_ENABLED: 'yes' }))[0]).toMatch(/^ENTITY_CACHE_ENABLED: /);
  });

  it('allows the local dev servers cross-origin in development, nobody in production unless listed', () => {
    expect(loadGatewayConfig({ PORT: '4100' }).corsOrigins).toEqual(
      expect.arrayContaining(['http://localhost:5173', 'http://127.0.0.1:5173', 'http://localhost:4173', 'http://localhost:3000', 'http://localhost:4100']),
    );
    expect(loadGatewayConfig({ NODE_ENV: 'production' }).corsOrigins).toEqual([]);
    expect(loadGatewayConfig({ CORS_ORIGINS: 'none' }).corsOrigins).toEqual([]);
  });

  it('never seeds the demo accounts in production: asking for it is an error naming SEED_DEMO_DATA', () => {
    const production = { NODE_ENV: 'production', SUBGRAPH_SECRET: 'a-production-secret-of-length' };
    for (const value of ['true', '1']) {
      expect(issuesOf(() => loadSubgraphConfig('accounts', { ...production, SEED_DEMO_DATA: value }))).toEqual([
        expect.stringMatching(/^SEED_DEMO_DATA: must not be true when NODE_ENV=production/),
      ]);
    }
    expect(loadSubgraphConfig('accounts', production).seedDemoData).toBe(false);
    expect(loadSubgraphConfig('accounts', { ...production, SEED_DEMO_DATA: 'false' }).seedDemoData).toBe(false);
    expect(loadSubgraphConfig('accounts', {}).seedDemoData).toBe(true);
  });

  it('listens on loopback unless in production or told otherwise by HOST', () => {
    for (const nodeEnv of ['development', 'test']) {
      expect(loadSubgraphConfig('catalog', { NODE_ENV: nodeEnv }).host).toBe('127.0.0.1');
      expect(loadGatewayConfig({ NODE_ENV: nodeEnv }).host).toBe('127.0.0.1');
    }
    expect(loadSubgraphConfig('catalog', { NODE_ENV: 'production', SUBGRAPH_SECRET: 'a-production-secret-of-length' }).host).toBe('0.0.0.0');
    expect(loadGatewayConfig({ NODE_ENV: 'production' }).host).toBe('0.0.0.0');
    expect(loadSubgraphConfig('catalog', { HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('logs JSON except in development, where it is pretty unless LOG_FORMAT says json', () => {
    expect(loadSubgraphConfig('catalog', {}).logFormat).toBe('pretty');
    expect(loadGatewayConfig({ NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(loadGatewayConfig({ NODE_ENV: 'test' }).logFormat).toBe('json');
    expect(loadSubgraphConfig('catalog', { LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(issuesOf(() => loadGatewayConfig({ LOG_FORMAT: 'xml' }))[0]).toMatch(/^LOG_FORMAT: /);
  });
});
