import { z } from 'zod';
import { PortInUseError } from './http/port-in-use.ts';

/** Thrown when the environment does not describe a valid configuration; names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

// A variable's schema carries what docs/configuration.md says of it (`npm run docs:config`):
// `.describe(meaning)`, or `.meta({ description, unset, production })` where the code, not the
// schema, decides what an unset variable means (`unset`) or what production gets (`production`).
// The reference finds the schemas by loading each service's config while recording.
let schemaRecorder: ((shape: z.ZodRawShape) => void) | undefined;

/** Runs `load` and returns the schema of every variable parseEnv read meanwhile (first one wins). */
export function recordEnvSchemas(load: () => void): Map<string, z.core.$ZodType> {
  const schemas = new Map<string, z.core.$ZodType>();
  const previous = schemaRecorder;
  schemaRecorder = (shape) => {
    for (const [name, schema] of Object.entries(shape)) if (!schemas.has(name)) schemas.set(name, schema);
  };
  try {
    load();
  } finally {
    schemaRecorder = previous;
  }
  return schemas;
}

/**
 * Parses the environment once, at start. Keys of the schema are the variable names, so a bad
 * value is reported with the variable's name. Empty strings count as unset.
 */
export function parseEnv<S extends z.ZodRawShape>(shape: S, env: Env = process.env): z.infer<z.ZodObject<S>> {
  schemaRecorder?.(shape);
  const present: Env = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') present[key] = value;
  }
  const result = z.object(shape).safeParse(present);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`));
  }
  return result.data;
}

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback).describe('the port it listens on');
export const host = z.string().optional().meta({
  description:
    'listen address; outside production only loopback unless `HOST` is set (so a laptop with the committed development secrets is not on its network; compose sets `0.0.0.0`)',
  unset: '`127.0.0.1`',
  production: '`0.0.0.0`',
});
export const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');
/** A flag whose absence means something of its own (the default depends on another variable). */
export const optionalFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1')
  .optional();
export const url = () => z.string().url();
const positiveIntError = { error: 'expected a positive integer' };
export const positiveInt = (fallback: number) => z.coerce.number(positiveIntError).int(positiveIntError).positive(positiveIntError).default(fallback);

export const nodeEnv = z.enum(['development', 'production', 'test']).default('development').meta({
  description:
    '`production` requires real secrets and refuses the demo data; it hides introspection, field suggestions and stack traces, masks unexpected errors and gives unset variables their production defaults (this column)',
  production: '`production`',
});
export const logLevels = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).describe('pino level (`silent` … `trace`)');
export const logLevel = logLevels.default('info');
/** Unset: pretty in development, JSON otherwise (see common/logger.ts). */
export const logFormat = z
  .enum(['json', 'pretty'])
  .optional()
  .meta({ description: '`json` lines, or `pretty` one-liners for a terminal (pino-pretty)', unset: '`pretty` in development, else `json`', production: '`json`' });

/**
 * Runs a service's start-up; a config error or a port already taken ends the process plainly: no
 * stack, just what is at fault.
 */
export async function exitOnConfigError<T>(start: () => Promise<T> | T): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    if (error instanceof PortInUseError) {
      process.stderr.write(`Cannot start: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
