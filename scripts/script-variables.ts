/**
 * The variables the npm scripts read themselves, each with its meaning (docs/configuration.md,
 * `npm run docs:config`). A service a script starts reads its own on top (its config schema).
 */
import { z } from 'zod';
import { host, logFormat, logLevels, nodeEnv, optionalFlag, port } from '../common/config.ts';
import { SERVICE_PORTS } from '../common/service/subgraph-config.ts';

export const DEFAULT_SUPERGRAPH_KEY = 'commerce-supergraph:supergraph';

const redisUrl = z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL');

/** What scripts/start.ts parses. */
export const npmStartSettings = {
  NODE_ENV: nodeEnv,
  BASE_PORT: port(SERVICE_PORTS.gateway).describe("the gateway's port; the subgraphs take the next eight, the storefront `BASE_PORT - 1000`"),
  LOG_LEVEL: logLevels.optional().meta({ unset: '`warn` for the services (the terminal shows progress lines), `info` for its own', production: '`info`' }),
  LOG_FORMAT: logFormat,
  SEED_DEMO_DATA: optionalFlag.meta({
    description: 'demo data in the empty databases and demo orders placed through the gateway; `true` with `NODE_ENV=production` is refused',
    unset: '`true`',
    production: '`false`',
  }),
};

export const scriptVariables: Record<string, z.ZodRawShape> = {
  'npm start': {
    ...npmStartSettings,
    HOST: host.meta({ description: 'listen address of every server it starts; the gateway trusts the storefront at this address (at `127.0.0.1` when it names every interface)' }),
    STOREFRONT_PORT: z.coerce.number().int().optional().meta({ description: 'where the storefront listens', unset: '`BASE_PORT - 1000`' }),
    TRUSTED_PROXIES: z.string().meta({
      description: "the load balancers in front of the storefront; the gateway's list is this plus the storefront's address",
      unset: "empty (the gateway's: the storefront's address)",
    }),
    SUBGRAPH_SECRET: z.string().meta({ description: 'the secret every subgraph shares with the gateway', unset: 'a random one per start', production: 'required' }),
    'SUBGRAPH_SECRET_<NAME>': z.string().meta({ description: "one subgraph's secret, before `SUBGRAPH_SECRET`", unset: '`SUBGRAPH_SECRET`' }),
    ENTITY_CACHE_ENABLED: optionalFlag.meta({ description: "the gateway's entity cache, on here even without Redis (one gateway: its memory is store enough)", unset: '`true`' }),
  },
  'npm run schema:publish': {
    REDIS_URL: redisUrl.meta({ description: 'the Redis the gateways follow', unset: 'required' }),
    SUPERGRAPH_REDIS_KEY: z.string().default(DEFAULT_SUPERGRAPH_KEY).describe('the key it writes, announced on `<key>:updated`'),
    PLAN_CACHE_REDIS: optionalFlag.meta({ description: "`false`: it does not write the trusted documents' query plans for the new supergraph", unset: '`true`' }),
    PLAN_CACHE_KEY_PREFIX: z.string().default('plans').describe("the gateways' `PLAN_CACHE_KEY_PREFIX`, under which it writes the plans"),
  },
  'npm run cache:invalidate': {
    REDIS_URL: redisUrl
      .optional()
      .meta({ description: "the gateways' shared store, where the entries are deleted at once (this and/or `AMQP_URL`)", unset: 'unset: not in Redis' }),
    AMQP_URL: z.string().optional().meta({ description: "the gateways' broker, through which every gateway drops them (this and/or `REDIS_URL`)", unset: 'unset: no broadcast' }),
    ENTITY_CACHE_KEY_PREFIX: z.string().default('entity-cache').describe("the gateways' `ENTITY_CACHE_KEY_PREFIX`"),
  },
  'npm run keys:rotate': {
    DATABASE_URL_ACCOUNTS: z.string().meta({ description: 'the accounts database whose signing key to rotate', unset: 'required' }),
  },
  'npm run admin:create': {
    ADMIN_EMAIL: z.string().optional().meta({ description: "the administrator's email (as `--email`)", unset: 'required (flag or variable)' }),
    ADMIN_NAME: z.string().default('Administrator').describe("the administrator's name (as `--name`)"),
    ADMIN_PASSWORD_FILE: z
      .string()
      .optional()
      .meta({ description: 'a file holding the password (a mounted Secret); one trailing newline is dropped', unset: 'then `ADMIN_PASSWORD`, then standard input' }),
    ADMIN_PASSWORD: z.string().optional().meta({ description: 'the password, for scripts; never a flag', unset: 'standard input (a prompt without echo at a terminal)' }),
    DATABASE_URL_ACCOUNTS: z.string().optional().meta({ description: 'the accounts database', unset: 'the embedded one under `DATA_DIR/accounts`', production: 'required' }),
    DATA_DIR: z.string().default('.data').describe('where the embedded accounts database lives, without `DATABASE_URL_ACCOUNTS`'),
    DB_MIGRATE_ON_START: optionalFlag.meta({ description: "apply accounts' pending migrations first", unset: '`true`' }),
    PASSWORD_SCRYPT_COST: z.coerce.number().int().optional().meta({ description: "as the accounts service's", unset: '`16384`' }),
  },
  'npm run db:migrate': {
    'DATABASE_URL_<SERVICE>': z.string().meta({ description: 'the `postgresql://` URL of each service migrated', unset: 'required' }),
  },
  'npm run schema:check': {
    SCHEMA_CHECK_BASE: z.string().optional().meta({ description: 'the git ref to check against (as `--base`)', unset: '`HEAD`' }),
  },
  'npm run web:dev': {
    GATEWAY_URL: z.url().default('http://localhost:4000/graphql').describe("where Vite's dev server proxies `/graphql` (its origin)"),
  },
  'npm run prisma:generate': {
    PRISMA_SCHEMA_ENGINE_BINARY: z.string().optional().meta({ description: "a schema engine binary for Prisma's generator, if it exists", unset: 'Node itself (the WASM engine)' }),
  },
};
