/**
 * docs/configuration.md, made from the schemas the services parse their environment with: each
 * service's config is loaded against an environment that records every name asked for
 * (deploy/config-variables.ts), and parseEnv hands over the schema of each (recordEnvSchemas).
 * A variable's meaning is its schema's description, its default the schema's, and what the code
 * decides beyond the schema (`unset`, `production`) sits in the same schema's metadata.
 */
import { resolve, relative, isAbsolute } from 'node:path';
import { z } from 'zod';
import { variablesReadBy } from '../deploy/config-variables.ts';
import { recordEnvSchemas } from '../common/config.ts';
import { perServiceVariables } from '../common/service/subgraph-config.ts';
import { loadTracingConfig } from '../common/telemetry/tracing-config.ts';
import { gatewayFileKeys, gatewayFileSections, gatewayVariables, loadGatewayConfig, perSubgraphFileSettings, perSubgraphVariables } from '../gateway/config.ts';
import { subgraphModules } from '../subgraphs/index.ts';
import { loadStorefrontConfig } from '../web/server/config.ts';
import { scriptVariables } from './script-variables.ts';

const root = resolve(import.meta.dirname, '..');
export const REFERENCE_PATH = resolve(root, 'docs/configuration.md');

type Env = Record<string, string | undefined>;
type Schema = z.core.$ZodType;

export interface VariableRow {
  readonly name: string;
  readonly default: string;
  readonly production: string;
  /** Undefined: nobody said what the variable means, which the reference's test refuses. */
  readonly meaning: string | undefined;
  /** Its key in the gateway's configuration file, where it has one. */
  readonly fileKey?: string;
}

/** Variables whose name holds a service's (`SUBGRAPH_URL_CATALOG`): one row for all of them. */
const patterns: Record<string, Schema> = { ...perSubgraphVariables, ...perServiceVariables };
const patternOf = (name: string) => Object.keys(patterns).find((pattern) => new RegExp(`^${pattern.replace(/<[A-Z]+>/, '[A-Z0-9_]+')}$`).test(name)) ?? name;

/** The schema and the wrappers around it (default, optional, a transform's input), outermost first. */
function layers(schema: Schema): Schema[] {
  const found = [schema];
  for (let current: Schema | undefined = schema; current; found.push(current)) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodOptional) current = current.def.innerType;
    else if (current instanceof z.ZodPipe) current = current.def.in;
    else break;
    if (current === undefined) break;
  }
  return [...new Set(found)];
}

/** A default as the reference shows it: a path under the repository relative to it (the same on every machine). */
function shown(value: unknown): string {
  if (value === '') return 'empty';
  const text = typeof value === 'string' && isAbsolute(value) && value.startsWith(root) ? relative(root, value) : String(value);
  return `\`${text}\``;
}

export function rowOf(name: string, schema: Schema | undefined): VariableRow {
  const wrappers = schema ? layers(schema) : [];
  // The outermost says last: a shared schema's meaning can be refined where it is used.
  const meta: Record<string, unknown> = Object.assign({}, ...wrappers.toReversed().map((layer) => z.globalRegistry.get(layer) ?? {}));
  const text = (key: string) => (typeof meta[key] === 'string' ? meta[key] : undefined);
  const withDefault = wrappers.find((layer) => layer instanceof z.ZodDefault);
  const fallback = withDefault instanceof z.ZodDefault ? shown(withDefault.def.defaultValue) : (text('unset') ?? 'unset');
  return { name, default: fallback, production: text('production') ?? fallback, meaning: text('description') };
}

/** Every variable `load` reads, in the order it reads them, with the schema parseEnv checked it with. */
export function variablesOf(load: (env: Env) => void): VariableRow[] {
  let names = new Set<string>();
  const schemas = recordEnvSchemas(() => {
    names = variablesReadBy(load);
  });
  const rows = new Map<string, VariableRow>();
  for (const name of names) {
    const shown = patternOf(name);
    if (!rows.has(shown)) rows.set(shown, rowOf(shown, schemas.get(name) ?? patterns[shown]));
  }
  return [...rows.values()];
}

const shapeRows = (shape: z.ZodRawShape) => Object.entries(shape).map(([name, schema]) => rowOf(name, schema));

export interface Section {
  readonly title: string;
  readonly intro: string;
  readonly rows: readonly VariableRow[];
  /** `variables` (the default), variables with their file keys (`file keys`), or settings of the file only (`file only`, a row's name is its key). */
  readonly table?: 'file keys' | 'file only';
}

/** The gateway file's key of a gateway variable (`SUBGRAPH_URL_<NAME>`: `subgraphs.<name>.url`). */
function fileKeyOf(name: string): string | undefined {
  const perSubgraph = Object.entries(perSubgraphFileSettings).find(([, entry]) => 'variable' in entry && entry.variable === name);
  if (perSubgraph) return `subgraphs.<name>.${perSubgraph[0]}`;
  return (gatewayFileKeys as Record<string, { key: string } | undefined>)[name]?.key;
}

/** What only the file says: each subgraph's own settings, and the sections that are lists or rules. */
function fileOnlyRows(): VariableRow[] {
  const perSubgraph = Object.entries(perSubgraphFileSettings).flatMap(([setting, entry]) => {
    if (!('overrides' in entry)) return [];
    const variable = rowOf(entry.overrides, gatewayVariables[entry.overrides]);
    const every = `\`${fileKeyOf(entry.overrides)}\` (\`${entry.overrides}\`)`;
    return [{ name: `subgraphs.<name>.${setting}`, default: every, production: every, meaning: `for that subgraph only: ${variable.meaning ?? ''}` }];
  });
  const sections = Object.entries(gatewayFileSections).map(([key, schema]) => ({ ...rowOf(key, schema), default: 'none', production: 'none' }));
  return [...perSubgraph, ...sections];
}

export function sections(): Section[] {
  const withTracing = (name: string, load: (env: Env) => unknown) => (env: Env) => {
    load(env);
    loadTracingConfig(name, env);
  };
  const subgraphs = subgraphModules.map((module) => ({ name: module.name, rows: variablesOf(withTracing(module.name, (env) => module.loadConfig(env))) }));
  const everywhere = (row: VariableRow) => subgraphs.every((subgraph) => subgraph.rows.some((other) => other.name === row.name));
  // A default that differs per subgraph (PORT) is shown for each.
  const perSubgraph = (row: VariableRow, column: 'default' | 'production') => {
    const values = subgraphs.map((subgraph) => subgraph.rows.find((other) => other.name === row.name)?.[column] ?? '');
    return new Set(values).size === 1 ? row[column] : subgraphs.map((subgraph, index) => `${subgraph.name} ${values[index]}`).join(', ');
  };
  const shared = (subgraphs[0]?.rows.filter(everywhere) ?? []).map((row) => ({ ...row, default: perSubgraph(row, 'default'), production: perSubgraph(row, 'production') }));
  const plain = subgraphs.filter((subgraph) => subgraph.rows.every(everywhere)).map((subgraph) => subgraph.name);
  return [
    {
      title: 'Gateway',
      intro: '`gateway/config.ts`, `common/messaging/messaging-config.ts`, `common/telemetry/tracing-config.ts`.',
      rows: variablesOf(withTracing('gateway', loadGatewayConfig)).map((row) => {
        const fileKey = fileKeyOf(row.name);
        return fileKey ? { ...row, fileKey } : row;
      }),
      table: 'file keys',
    },
    {
      title: 'Gateway: the configuration file only',
      intro: 'Settings no variable says: `<name>` is a subgraph (`subgraphs.payments.timeoutMs`); an unknown name is refused.',
      rows: fileOnlyRows(),
      table: 'file only',
    },
    {
      title: 'Every subgraph',
      intro: `\`common/service/subgraph-config.ts\` and the messaging and tracing configs; ${plain.join(', ')} read only these.`,
      rows: shared,
    },
    ...subgraphs
      .filter((subgraph) => !plain.includes(subgraph.name))
      .map((subgraph) => ({
        title: `Subgraph: ${subgraph.name}`,
        intro: `Besides every subgraph's: \`subgraphs/${subgraph.name}/config.ts\`.`,
        rows: subgraph.rows.filter((row) => !everywhere(row)),
      })),
    { title: 'Storefront', intro: '`web/server/config.ts` (`web/server/main.ts`; under `npm start`, in its process).', rows: variablesOf(loadStorefrontConfig) },
    ...Object.entries(scriptVariables).map(([script, shape]) => ({
      title: `Script: \`${script}\``,
      intro: script === 'npm start' ? '`scripts/start.ts`; the services it starts read theirs (above), with these defaults changed.' : `\`scripts/script-variables.ts\`.`,
      rows: shapeRows(shape),
    })),
  ];
}

/** "service: VARIABLE" for each variable read without a meaning. */
export function undocumented(all: readonly Section[] = sections()): string[] {
  return all.flatMap((section) => section.rows.filter((row) => !row.meaning).map((row) => `${section.title}: ${row.name}`));
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** Written by hand: what the file is for, how it layers with the variables, and why its variable is named so. */
const FILE_INTRO = [
  '',
  '## The configuration file',
  '',
  'The gateway also reads an optional file, YAML or JSON, named by `GATEWAY_CONFIG_FILE` (Apollo Router and Cosmo take',
  "YAML, Hive Gateway `gateway.config.ts`): for what variables cannot say well, each subgraph's endpoint and own",
  'settings, and the `plugins` list, with room kept for `headers` (header rules) and `policies`. Every gateway',
  'variable but `NODE_ENV` also has a key in it (the "file key" column). Each value is checked by the same zod schema',
  'as its variable, and a bad value, an unknown key (a typo) or a missing file stops the start (exit 78) naming the',
  'file and the path: `gateway.config.yaml: rateLimits.userPoints: expected a positive integer`. Precedence, highest',
  'first: a variable set (non-empty), the file, the default; so docker-compose.yml and the Kubernetes manifests keep',
  'working unchanged, and a file in a ConfigMap can carry the structure while Secrets stay variables. Paths in the file',
  "(`supergraph.path`, `trustedDocuments.manifests`, a plugin's `module`) are relative to the file. The variable's",
  'name says whose file it is: under `npm start` every service reads one environment, and a bare `CONFIG_FILE` or',
  '`CONFIG_PATH` would seem to configure them all. An example: `examples/gateway.config.yaml`, with its plugin',
  '`examples/plugins/response-header.ts`; plugins are in docs/operations.md, "The configuration file".',
];

export function configurationReference(all: readonly Section[] = sections()): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated by `npm run docs:config` (scripts/docs-config.ts) from the config schemas; scripts/config-reference.test.ts fails when it is stale. Do not edit. -->',
    '',
    'Every service reads its environment once, at start, through zod schemas; every value has a default that runs on a',
    'laptop, and a bad value stops the process (exit 78) with a message naming the variable. Empty counts as unset.',
    '"production default" is what `NODE_ENV=production` gets when the variable is unset; there the laptop secrets are',
    "refused. A variable's meaning is written once, on its schema (`.describe()`, `.meta()`): change it there and run",
    '`npm run docs:config`.',
    ...FILE_INTRO,
  ];
  for (const section of all) {
    lines.push('', `## ${section.title}`, '', section.intro, '');
    const meaning = (row: VariableRow) => cell(row.meaning ?? '**undocumented**');
    if (section.table === 'file only') {
      lines.push('| file key | default | meaning |', '| --- | --- | --- |');
      for (const row of section.rows) lines.push(`| \`${row.name}\` | ${cell(row.default)} | ${meaning(row)} |`);
    } else if (section.table === 'file keys') {
      lines.push('| variable | file key | default | production default | meaning |', '| --- | --- | --- | --- | --- |');
      for (const row of section.rows) {
        lines.push(`| \`${row.name}\` | ${row.fileKey ? `\`${row.fileKey}\`` : 'none'} | ${cell(row.default)} | ${cell(row.production)} | ${meaning(row)} |`);
      }
    } else {
      lines.push('| variable | default | production default | meaning |', '| --- | --- | --- | --- |');
      for (const row of section.rows) lines.push(`| \`${row.name}\` | ${cell(row.default)} | ${cell(row.production)} | ${meaning(row)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
