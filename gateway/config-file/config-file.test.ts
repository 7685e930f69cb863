// The configuration file (GATEWAY_CONFIG_FILE) as loadGatewayConfig reads it: the example file,
// variables over the file, a bad value or an unknown key named by its path, a missing file named,
// and the plugins it lists loaded (or refused) by start-gateway.ts's loader.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/config.ts';
import { createLogger } from '../../common/logger.ts';
import { stringify } from 'yaml';
import { z } from 'zod';
import { gatewayFileKeys, gatewayVariables, loadGatewayConfig } from '../config.ts';
import { composeFeatures } from '../compose-features.ts';
import { loadPlugins } from './plugins.ts';

const root = resolve(import.meta.dirname, '../..');
const EXAMPLE = resolve(root, 'examples/gateway.config.yaml');
const directory = mkdtempSync(join(tmpdir(), 'gateway-config-file-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let files = 0;
/** A file in a scratch folder; returns its path. */
function file(content: string, extension = 'yaml'): string {
  const path = join(directory, `gateway-${++files}.config.${extension}`);
  writeFileSync(path, content);
  return path;
}

/** The issues a load refuses with, sorted (fails when it does not refuse). */
function refusal(env: Record<string, string>): readonly string[] {
  try {
    loadGatewayConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.toSorted();
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('the example file (examples/gateway.config.yaml)', () => {
  const config = loadGatewayConfig({ GATEWAY_CONFIG_FILE: EXAMPLE });
  const defaults = loadGatewayConfig({});

  it('sets single settings at their keys, and leaves the rest at their defaults', () => {
    expect(config.configFile).toBe(EXAMPLE);
    expect(config.operationLimits).toEqual({ ...defaults.operationLimits, maxDepth: 8 });
    expect(config.demandControl).toEqual({ ...defaults.demandControl, maxCost: 10_000 });
    expect(config.rateLimits.user.points).toBe(600);
    expect(config.authThrottle).toEqual({ credentialChecks: [{ field: 'logIn', accountArgument: ['input', 'email'] }], everyAttempt: ['signUp'] });
    expect(config.subgraphTimeoutMs).toBe(10_000);
    expect(config.maxBodyBytes).toBe(defaults.maxBodyBytes);
  });

  it("gives a subgraph its own settings, over every subgraph's", () => {
    expect(config.subgraphs.payments).toMatchObject({ timeoutMs: 15_000, resilience: { retries: 1 } });
    expect(config.subgraphs.catalog).toMatchObject({ resilience: { maxConcurrent: 200 } });
    expect(config.subgraphs.orders.timeoutMs).toBeUndefined();
    expect(config.subgraphs.orders.resilience).toBeUndefined();
    // The endpoint is still the variables' (or the laptop default).
    expect(config.subgraphs.payments.url).toBe(defaults.subgraphs.payments.url);
  });

  it('lists its plugins, the module path relative to the file', () => {
    expect(config.plugins).toEqual([
      {
        module: resolve(root, 'examples/plugins/response-header.ts'),
        options: { name: 'x-served-by', value: 'example-gateway' },
        declaredAt: `${EXAMPLE}: plugins[0]`,
      },
    ]);
  });
});

describe('variables and the file', () => {
  const path = file(
    [
      'operationLimits:',
      '  maxDepth: 5',
      '  maxAliases: 6',
      'server:',
      '  corsOrigins: [https://shop.example, https://admin.example]',
      'subgraphs:',
      '  catalog:',
      '    url: http://catalog.internal:4002/graphql',
      '    secret: a-catalog-secret-from-the-file',
      'trustedDocuments:',
      '  manifests: [web=manifests/web.json, clients/]',
      'supergraph:',
      '  path: schema/supergraph.graphql',
      'fetch:',
      '  dedup: true',
    ].join('\n'),
  );

  it('a variable set overrides its key; one unset or empty leaves the file its say', () => {
    const config = loadGatewayConfig({ GATEWAY_CONFIG_FILE: path, MAX_QUERY_DEPTH: '3', MAX_QUERY_ALIASES: '', SUBGRAPH_URL_CATALOG: 'http://10.0.0.7:4002/graphql' });
    expect(config.operationLimits.maxDepth).toBe(3);
    expect(config.operationLimits.maxAliases).toBe(6);
    expect(config.subgraphs.catalog.url).toBe('http://10.0.0.7:4002/graphql');
    expect(config.subgraphs.catalog.secret).toBe('a-catalog-secret-from-the-file');
    expect(config.corsOrigins).toEqual(['https://shop.example', 'https://admin.example']);
    expect(config.dedupSubgraphQueries).toBe(true);
    // What the code derives from a setting follows the file's value as it follows the variable's.
    expect(config.batchFetches).toBe(false);
  });

  it('reads paths relative to the file, not to the working directory', () => {
    const config = loadGatewayConfig({ GATEWAY_CONFIG_FILE: relative(process.cwd(), path) });
    expect(config.supergraphPath).toBe(join(directory, 'schema/supergraph.graphql'));
    expect(config.trustedDocuments.manifests).toEqual([{ client: 'web', file: join(directory, 'manifests/web.json') }, { directory: join(directory, 'clients') }]);
  });

  it('takes JSON as well as YAML, and an empty file sets nothing', () => {
    expect(loadGatewayConfig({ GATEWAY_CONFIG_FILE: file('{ "rateLimits": { "userPoints": 42, "enabled": false } }', 'json') }).rateLimits).toMatchObject({
      enabled: false,
      user: { points: 42 },
    });
    // trustedProxies is a matcher (functions): compared by what it matches elsewhere.
    const settings = ({ trustedProxies: _matcher, configFile: _file, ...rest }: ReturnType<typeof loadGatewayConfig>) => rest;
    const empty = loadGatewayConfig({ GATEWAY_CONFIG_FILE: file('# nothing yet\n') });
    expect(settings(empty)).toEqual(settings(loadGatewayConfig({})));
  });

  it('is no layer at all without GATEWAY_CONFIG_FILE', () => {
    expect(loadGatewayConfig({}).configFile).toBeUndefined();
    expect(loadGatewayConfig({ GATEWAY_CONFIG_FILE: '' }).plugins).toEqual([]);
  });
});

describe('every gateway variable in the file', () => {
  // Each variable with a default, set otherwise at its key, configures exactly what the variable
  // does, which is not the default: every key is reachable, and its value reaches the setting.
  const cases = Object.entries(gatewayFileKeys).flatMap(([variable, { key, value }]) => {
    const schema = gatewayVariables[variable as keyof typeof gatewayFileKeys];
    const fallback = schema instanceof z.ZodDefault ? (schema.def.defaultValue as unknown) : undefined;
    // Paths are relative to the file, not to the working directory: the example test covers them.
    if (value === 'path' || value === 'manifests' || fallback === undefined || fallback === '') return [];
    // A value other than the default, which the variable's schema takes.
    const other = typeof fallback === 'number' ? String(fallback + 1) : fallback === 'true' ? 'false' : fallback === 'false' ? 'true' : `${String(fallback)}-other`;
    return schema.safeParse(other).success ? [{ variable, key, text: other }] : [];
  });

  it.each(cases)('$variable at $key', ({ variable, key, text }) => {
    const nested = key.split('.').reduceRight<unknown>((inner, part) => ({ [part]: inner }), text);
    const settings = ({ trustedProxies: _matcher, configFile: _file, ...rest }: ReturnType<typeof loadGatewayConfig>) => rest;
    const fromFile = settings(loadGatewayConfig({ GATEWAY_CONFIG_FILE: file(stringify(nested)) }));
    expect(fromFile).toEqual(settings(loadGatewayConfig({ [variable]: text })));
    expect(fromFile).not.toEqual(settings(loadGatewayConfig({})));
  });

  it('covers every variable but NODE_ENV', () => {
    expect(Object.keys(gatewayVariables).filter((name) => !(name in gatewayFileKeys))).toEqual(['NODE_ENV']);
    expect(cases.length).toBeGreaterThan(30);
  });
});

describe('a file the gateway refuses', () => {
  it('names the file and the path of a bad value, with its schema’s reason', () => {
    const path = file('rateLimits:\n  userPoints: 0\nsubgraphDefaults:\n  retries: 9\nsubgraphs:\n  payments:\n    timeoutMs: soon\nentityCache:\n  store: disk\n');
    expect(refusal({ GATEWAY_CONFIG_FILE: path })).toEqual(
      [
        `${path}: rateLimits.userPoints: expected a positive integer`,
        `${path}: subgraphDefaults.retries: Too big: expected number to be <=5`,
        `${path}: subgraphs.payments.timeoutMs: expected a positive integer`,
        `${path}: entityCache.store: Invalid option: expected one of "redis"|"memory"`,
      ].toSorted(),
    );
  });

  it('refuses an unknown key anywhere: a typo fails the start', () => {
    const path = file('operationLimits:\n  maxDeph: 3\nrateLimit:\n  userPoints: 5\nsubgraphs:\n  catalogue:\n    timeoutMs: 100\n  orders:\n    timeout: 100\n');
    expect(refusal({ GATEWAY_CONFIG_FILE: path })).toEqual(
      [
        `${path}: Unrecognized key: "rateLimit"`,
        `${path}: operationLimits: Unrecognized key: "maxDeph"`,
        `${path}: subgraphs: Unrecognized key: "catalogue"`,
        `${path}: subgraphs.orders: Unrecognized key: "timeout"`,
      ].toSorted(),
    );
  });

  it('refuses a value of the wrong shape (header rules as a list), and a section kept for rules not defined yet', () => {
    const path = file('server: 4000\nrateLimits:\n  enabled: maybe\nplugins:\n  - options: {}\nheaders:\n  - propagate: x-tenant\npolicies: {}\n');
    expect(refusal({ GATEWAY_CONFIG_FILE: path })).toEqual(
      [
        `${path}: server: Invalid input: expected object, received number`,
        `${path}: rateLimits.enabled: Invalid option: expected one of "0"|"1"|"true"|"false"`,
        `${path}: plugins[0].module: Invalid input: expected string, received undefined`,
        `${path}: headers: expected an object of rules`,
        `${path}: policies: reserved for policies, which this version does not read yet`,
      ].toSorted(),
    );
  });

  it('names a file it cannot find or parse', () => {
    const missing = join(directory, 'nowhere.yaml');
    expect(refusal({ GATEWAY_CONFIG_FILE: missing })).toEqual([`GATEWAY_CONFIG_FILE: cannot read ${missing}: no such file`]);
    const broken = file('rateLimits: [unclosed\n');
    expect(refusal({ GATEWAY_CONFIG_FILE: broken })[0]).toMatch(new RegExp(`^${broken.replaceAll('.', '\\.')}: not valid YAML: `));
    const other = file('x = 1', 'toml');
    expect(refusal({ GATEWAY_CONFIG_FILE: other })).toEqual([`GATEWAY_CONFIG_FILE: ${other} is neither .yaml, .yml nor .json`]);
  });
});

describe('the plugins a file lists', () => {
  const deps = { log: createLogger('test', 'silent'), registry: new Registry() };
  const load = (content: string) => {
    const config = loadGatewayConfig({ GATEWAY_CONFIG_FILE: file(content) });
    return loadPlugins(config.plugins, { ...deps, config });
  };
  const plugin = relative(directory, resolve(root, 'examples/plugins/response-header.ts'));

  it("makes each listed module's feature from its options, in order; one its options leave off is absent", async () => {
    const features = await load(
      [
        'plugins:',
        `  - module: ${plugin}`,
        '    options: { name: x-first, value: "1" }',
        `  - module: ${plugin}`,
        '    options: { name: x-off, value: "0", enabled: false }',
        `  - module: ${plugin}`,
        '    options: { name: x-second, value: "2" }',
      ].join('\n'),
    );
    expect(features.map((feature) => feature.name)).toEqual(['response-header:x-first', 'response-header:x-second']);
    const headers: Record<string, string> = {};
    const response = { setHeader: (name: string, value: string) => (headers[name] = value) };
    const handler = composeFeatures(features).http(() => undefined);
    await handler({} as never, response as never);
    expect(headers).toEqual({ 'x-first': '1', 'x-second': '2' });
  });

  it('stops the start naming the declaration when a plugin refuses its options, cannot load, or is no factory', async () => {
    const declared = (content: string) =>
      load(content).then(
        () => [] as readonly string[],
        (error: unknown) => (error instanceof ConfigError ? error.issues : [String(error)]),
      );
    expect(await declared(`plugins:\n  - module: ${plugin}\n    options: { name: "X Bad", value: "" }\n`)).toEqual([
      expect.stringMatching(/: plugins\[0\] \(.*response-header\.ts\): options\.name: must be a lower-case header name$/),
      expect.stringMatching(/: plugins\[0\] \(.*response-header\.ts\): options\.value: /),
    ]);
    expect(await declared('plugins:\n  - module: ./no-such-plugin.ts\n')).toEqual([expect.stringMatching(/: plugins\[0\] \(.*no-such-plugin\.ts\): cannot load: /)]);
    const notAFactory = file('export default { name: "not a factory" };\n', 'ts');
    expect(await declared(`plugins:\n  - module: ./${relative(directory, notAFactory)}\n`)).toEqual([
      expect.stringMatching(/: plugins\[0\] \(.*\): its default export is not a factory \(options, deps\) => GatewayFeature$/),
    ]);
  });
});
