import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnv, positiveInt } from '../common/config.ts';
import { loadSubgraphConfig } from '../common/service/subgraph-config.ts';
import { loadGatewayConfig } from '../gateway/config.ts';
import { loadStorefrontConfig } from '../web/server/config.ts';
import { REFERENCE_PATH, configurationReference, sections, undocumented, variablesOf, type VariableRow } from './config-reference.ts';

const root = resolve(import.meta.dirname, '..');
const all = sections();
const row = (section: string, name: string): VariableRow => {
  const found = all.find((candidate) => candidate.title === section)?.rows.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`${section} has no ${name}`);
  return found;
};
const code = (value: unknown) => `\`${String(value)}\``;
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
/** The dotted paths of the leaves that differ between two loaded configs. */
function differingPaths(a: unknown, b: unknown, path: string[] = []): string[] {
  if (isRecord(a) && isRecord(b)) return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((key) => differingPaths(a[key], b[key], [...path, key]));
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path.join('.')];
}

describe('docs/configuration.md', () => {
  it('is what `npm run docs:config` makes from the config schemas now', () => {
    expect(readFileSync(REFERENCE_PATH, 'utf8'), 'docs/configuration.md is stale: run npm run docs:config').toBe(configurationReference(all));
  });

  it('gives every variable a service or script reads a meaning', () => {
    expect(undocumented(all)).toEqual([]);
    // Those the README's tables left out (issue 26).
    for (const name of ['RATE_LIMIT_ENABLED', 'REDIS_URL', 'RATE_LIMIT_KEY_PREFIX', 'JWKS_COOLDOWN_SECONDS']) expect(row('Gateway', name).meaning).toBeTruthy();
    expect(row('Subgraph: accounts', 'JWT_KEY_REFRESH_SECONDS').meaning).toBeTruthy();
  });

  it('catches a variable read without a meaning, through a schema or past it', () => {
    const rows = variablesOf((env) => {
      parseEnv({ DOCUMENTED_SETTING: positiveInt(5).describe('a setting with a meaning'), NEW_SETTING: positiveInt(7) }, env);
      void env['READ_DIRECTLY'];
    });
    expect(rows).toEqual([
      { name: 'DOCUMENTED_SETTING', default: '`5`', production: '`5`', meaning: 'a setting with a meaning' },
      { name: 'NEW_SETTING', default: '`7`', production: '`7`', meaning: undefined },
      { name: 'READ_DIRECTLY', default: 'unset', production: 'unset', meaning: undefined },
    ]);
    expect(undocumented([{ title: 'Example', intro: '', rows }])).toEqual(['Example: NEW_SETTING', 'Example: READ_DIRECTLY']);
  });

  it("lists every variable a script reads from process.env (or an env passed down) under that script's section", () => {
    const scriptRows = new Set(all.filter((section) => section.title.startsWith('Script: ')).flatMap((section) => section.rows.map((entry) => entry.name)));
    const files = [
      ...readdirSync(resolve(root, 'scripts'), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
        .map((file) => `scripts/${file}`),
      'web/vite.config.ts',
    ];
    const read = files.flatMap((file) =>
      [...readFileSync(resolve(root, file), 'utf8').matchAll(/\b(?:process\.)?env(?:\['([A-Z0-9_a-z]+)'\]|\.([A-Z][A-Z0-9_]+)\b)/g)].map((match) => ({
        file,
        name: match[1] ?? match[2] ?? '',
      })),
    );
    // npm sets npm_lifecycle_event itself; nobody configures it.
    const missing = read.filter(({ name }) => name !== 'npm_lifecycle_event' && !scriptRows.has(name)).map(({ file, name }) => `${file}: ${name}`);
    expect(read.length).toBeGreaterThan(5);
    expect(missing).toEqual([]);
  });

  it('states a production default for everything production configures otherwise', () => {
    // Each setting that differs between an empty environment and NODE_ENV=production alone, and the
    // variable that sets it: a new one fails here until its variable's schema says what production gets.
    const secret = 'a-production-secret-0123456789abcdef';
    const owners: [RegExp, string][] = [
      [/^nodeEnv$/, 'NODE_ENV'],
      [/^host$/, 'HOST'],
      [/^logFormat$/, 'LOG_FORMAT'],
      [/^introspection$/, 'INTROSPECTION'],
      [/^corsOrigins$/, 'CORS_ORIGINS'],
      [/^trustedDocuments\.mode$/, 'PERSISTED_DOCUMENTS'],
      [/^demandControl\.expose$/, 'COST_EXTENSIONS'],
      [/^subgraphs\.\w+\.secret$/, 'SUBGRAPH_SECRET_<NAME>'],
      [/^seedDemoData$/, 'SEED_DEMO_DATA'],
      [/^gatewaySecret$/, 'SUBGRAPH_SECRET'],
    ];
    const cases: [string, unknown, unknown][] = [
      ['Gateway', loadGatewayConfig({}), loadGatewayConfig({ NODE_ENV: 'production' })],
      ['Every subgraph', loadSubgraphConfig('catalog', {}), loadSubgraphConfig('catalog', { NODE_ENV: 'production', SUBGRAPH_SECRET: secret })],
      ['Storefront', loadStorefrontConfig({}), loadStorefrontConfig({ NODE_ENV: 'production' })],
    ];
    for (const [section, development, production] of cases) {
      const differing = differingPaths(development, production);
      expect(differing.length, section).toBeGreaterThan(1);
      for (const path of differing) {
        const variable = owners.find(([pattern]) => pattern.test(path))?.[1];
        expect(variable, `${section}: ${path} differs in production; which variable sets it?`).toBeDefined();
        const stated = row(section, variable!);
        expect(stated.production, `${section}: ${variable} (${path}) states no production default`).not.toBe(stated.default);
      }
    }
  });

  it('states the defaults and production defaults the services actually get', () => {
    const secret = 'a-production-secret-0123456789abcdef';
    const gateway = loadGatewayConfig({});
    const gatewayInProduction = loadGatewayConfig({ NODE_ENV: 'production' });
    const catalog = loadSubgraphConfig('catalog', {});
    const catalogInProduction = loadSubgraphConfig('catalog', { NODE_ENV: 'production', SUBGRAPH_SECRET: secret });
    const storefrontInProduction = loadStorefrontConfig({ NODE_ENV: 'production' });
    const claims: [VariableRow['default'], unknown][] = [
      [row('Gateway', 'HOST').default, gateway.host],
      [row('Gateway', 'HOST').production, gatewayInProduction.host],
      [row('Gateway', 'INTROSPECTION').default, gateway.introspection],
      [row('Gateway', 'INTROSPECTION').production, gatewayInProduction.introspection],
      [row('Gateway', 'PERSISTED_DOCUMENTS').default, gateway.trustedDocuments.mode],
      [row('Gateway', 'PERSISTED_DOCUMENTS').production, gatewayInProduction.trustedDocuments.mode],
      [row('Gateway', 'LOG_FORMAT').production, gatewayInProduction.logFormat],
      [row('Gateway', 'RATE_LIMIT_USER_POINTS').production, gatewayInProduction.rateLimits.user.points],
      [row('Every subgraph', 'SEED_DEMO_DATA').default, catalog.seedDemoData],
      [row('Every subgraph', 'SEED_DEMO_DATA').production, catalogInProduction.seedDemoData],
      [row('Every subgraph', 'HOST').production, catalogInProduction.host],
      [row('Every subgraph', 'OUTBOX_CLAIM_LEASE_MS').default, catalog.outboxClaimLeaseMs],
      [row('Storefront', 'HOST').production, storefrontInProduction.host],
    ];
    expect(claims.map(([stated]) => stated)).toEqual(claims.map(([, actual]) => code(actual)));
    expect(row('Gateway', 'CORS_ORIGINS').production).toBe('none');
    expect(gatewayInProduction.corsOrigins).toEqual([]);
    expect(row('Every subgraph', 'PORT').default).toContain(`catalog ${code(catalog.port)}`);
  });
});
