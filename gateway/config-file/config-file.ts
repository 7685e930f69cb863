// The gateway's configuration file (GATEWAY_CONFIG_FILE): YAML or JSON, read once at start. Each of
// its settings is a leaf at a dotted key, checked with the schema of the variable it stands for (the
// same zod schema parseEnv uses), so a value means the same in both places; a variable set in the
// environment overrides its leaf. Settings no variable can say (per-subgraph ones, plugins) are
// leaves or sections of the file only. Unknown keys are refused: a typo fails the start.
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../common/config.ts';

/** How a value in the file is written as its variable's text. */
export type FileValue =
  /** A string, number or boolean, as the variable takes it. */
  | 'scalar'
  /** A list (or the variable's comma-separated text). */
  | 'list'
  /** A path, relative to the file. */
  | 'path'
  /** Structured rules (an object), passed on as the variable's JSON text. */
  | 'json'
  /** `client=file.json` and `directory/` entries, a list or comma-separated, paths relative to the file. */
  | 'manifests';

export interface FileLeaf {
  /** Dotted key in the file: `rateLimits.userPoints`. */
  readonly key: string;
  /** The schema its text is checked with (a variable's). */
  readonly schema: z.ZodType;
  readonly value?: FileValue;
  /** The variable it stands for, which overrides it when set; absent for a setting of the file only. */
  readonly variable?: string;
}

export interface FileSchema {
  readonly leaves: readonly FileLeaf[];
  /** Whole top-level sections of the file only (a list of plugins), each with its own schema. */
  readonly sections: Readonly<Record<string, z.ZodType>>;
}

export interface LoadedConfigFile {
  /** Absolute path of the file. */
  readonly path: string;
  /** Each variable's text as the file sets it (what the environment overrides). */
  readonly variables: Readonly<Record<string, string>>;
  /** The file-only leaves set, by dotted key, parsed by their schema. */
  readonly values: Readonly<Record<string, unknown>>;
  /** The sections set, as their schemas output them. */
  readonly sections: Readonly<Record<string, unknown>>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The text a variable would hold for this file value, or a complaint about its shape. */
function asText(raw: unknown, kind: FileValue, directory: string): { text: string } | { problem: string } {
  const scalar = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined;
  const entries = Array.isArray(raw) && raw.every((entry) => typeof entry === 'string' || typeof entry === 'number') ? raw.map(String) : scalar?.split(',');
  switch (kind) {
    case 'scalar':
      return scalar === undefined ? { problem: 'expected a string, number or boolean' } : { text: scalar };
    case 'list':
      return entries === undefined ? { problem: 'expected a list of strings' } : { text: entries.map((entry) => entry.trim()).join(',') };
    case 'path':
      return typeof raw === 'string' && raw !== '' ? { text: resolve(directory, raw) } : { problem: 'expected a path' };
    case 'json':
      return isRecord(raw) ? { text: JSON.stringify(raw) } : typeof raw === 'string' ? { text: raw } : { problem: 'expected an object of rules' };
    case 'manifests': {
      if (entries === undefined) return { problem: 'expected a list of client=file.json entries and directory/ entries' };
      const resolved: string[] = [];
      for (const entry of entries.map((item) => item.trim()).filter(Boolean)) {
        const [client, file, extra] = entry.split('=');
        if (entry.endsWith('/')) resolved.push(`${resolve(directory, entry)}/`);
        else if (client && file && extra === undefined) resolved.push(`${client}=${resolve(directory, file)}`);
        else return { problem: `"${entry}" is neither client=file.json nor a directory/` };
      }
      return { text: resolved.join(',') };
    }
  }
}

/** A leaf's schema: the file value, written as text, passes its variable's schema; outputs the text. */
function leafSchema(leaf: FileLeaf, directory: string) {
  return z
    .unknown()
    .transform((raw, context) => {
      const written = asText(raw, leaf.value ?? 'scalar', directory);
      if ('problem' in written) {
        context.addIssue({ code: 'custom', message: written.problem });
        return z.NEVER;
      }
      const checked = leaf.schema.safeParse(written.text);
      if (!checked.success) {
        for (const issue of checked.error.issues) context.addIssue({ code: 'custom', message: issue.message });
        return z.NEVER;
      }
      return written.text;
    })
    .optional();
}

type Tree = { [key: string]: Tree | z.ZodType };

/** Nested strict objects from the dotted keys: an unknown key anywhere is refused. */
function objectOf(tree: Tree): z.ZodType {
  const shape = Object.fromEntries(Object.entries(tree).map(([key, node]) => [key, node instanceof z.ZodType ? node : objectOf(node).optional()]));
  return z.strictObject(shape);
}

export function fileSchemaOf(schema: FileSchema, directory: string): z.ZodType {
  const tree: Tree = {};
  for (const leaf of schema.leaves) {
    const parts = leaf.key.split('.');
    let node = tree;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (next instanceof z.ZodType) throw new Error(`file key ${leaf.key} is inside a leaf`);
      node = node[part] = next ?? {};
    }
    node[parts.at(-1)!] = leafSchema(leaf, directory);
  }
  for (const [key, section] of Object.entries(schema.sections)) tree[key] = section.optional();
  return objectOf(tree);
}

/** `plugins[0].module` from zod's path. */
function pathText(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
}

function parseText(path: string, text: string): unknown {
  const extension = extname(path).toLowerCase();
  try {
    if (extension === '.json') return JSON.parse(text) as unknown;
    if (extension === '.yaml' || extension === '.yml') return parseYaml(text) as unknown;
  } catch (error) {
    throw new ConfigError([`${path}: not valid ${extension === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`]);
  }
  throw new ConfigError([`GATEWAY_CONFIG_FILE: ${path} is neither .yaml, .yml nor .json`]);
}

/**
 * Reads and checks the file at `path` (as GATEWAY_CONFIG_FILE names it); a bad value throws a
 * ConfigError naming the file and the key: `gateway.config.yaml: rateLimits.userPoints: …`.
 */
export function loadConfigFile(path: string, schema: FileSchema): LoadedConfigFile {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError([`GATEWAY_CONFIG_FILE: cannot read ${path}${code === 'ENOENT' ? ': no such file' : `: ${(error as Error).message}`}`]);
  }
  // An empty file (or one of comments only) sets nothing.
  const content = parseText(path, text) ?? {};
  const result = fileSchemaOf(schema, dirname(absolute)).safeParse(content);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => [path, ...(issue.path.length > 0 ? [pathText(issue.path)] : []), issue.message].join(': ')));
  }
  const variables: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const leaf of schema.leaves) {
    let node: unknown = result.data;
    for (const part of leaf.key.split('.')) node = isRecord(node) ? node[part] : undefined;
    if (typeof node !== 'string') continue;
    if (leaf.variable) variables[leaf.variable] = node;
    else values[leaf.key] = leaf.schema.parse(node);
  }
  const data = result.data as Record<string, unknown>;
  const sections = Object.fromEntries(Object.keys(schema.sections).flatMap((key) => (data[key] === undefined ? [] : [[key, data[key]]])));
  return { path: absolute, variables, values, sections };
}

/**
 * The environment seen through the file: a variable set (non-empty) wins, else the file's text.
 * A view, not a copy, so that what is read through it is still what is asked of `env`.
 */
export function withFileValues(env: Record<string, string | undefined>, file: Pick<LoadedConfigFile, 'variables'>): Record<string, string | undefined> {
  return new Proxy(env, {
    get(target, name) {
      if (typeof name !== 'string') return undefined;
      const set = target[name];
      return set !== undefined && set !== '' ? set : (file.variables[name] ?? set);
    },
  });
}
