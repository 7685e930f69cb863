import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { JWKS_PATH, JWT_DEFAULTS } from '../common/auth-defaults.ts';
import { ConfigError, booleanFlag, host, logFormat, logLevel, nodeEnv, optionalFlag, parseEnv, port, positiveInt } from '../common/config.ts';
import { defaultLogFormat, type LogFormat } from '../common/logger.ts';
import { loadMessagingConfig, type MessagingConfig } from '../common/messaging/messaging-config.ts';
import { DEFAULT_SHUTDOWN_GRACE_MS, SERVICE_PORTS, defaultHost, devSubgraphSecret, type SubgraphName } from '../common/service/subgraph-config.ts';
import { loadConfigFile, withFileValues, type FileSchema, type FileValue, type LoadedConfigFile } from './config-file/config-file.ts';
import type { EntityCacheSettings } from './entity-cache/entity-cache.ts';
import type { ResilienceSettings } from './resilience/subgraph-policies.ts';
import type { AuthThrottleSettings } from './protection/auth-throttle-plugin.ts';
import { parseTrustedProxies, type TrustedProxies } from './protection/client-ip.ts';
import { parseOrigins } from './http/cors.ts';
import type { OperationLimits } from '../common/operation-limits.ts';
import type { RateLimitSettings } from './protection/rate-limiter.ts';
import { COST_MODES, type DemandControlSettings } from './demand-control/settings.ts';
import { parseHeaderRules, type HeaderRules } from './header-propagation/header-rules.ts';
import { authorizationSettingsFrom, authorizationVariables, type AuthorizationSettings } from './authorization/settings.ts';
import { PERSISTED_DOCUMENT_MODES, type TrustedDocumentSettings } from './trusted-documents/settings.ts';

export const SUBGRAPH_NAMES = Object.keys(SERVICE_PORTS).filter((name): name is SubgraphName => name !== 'gateway');

export interface SubgraphEndpoint {
  readonly url: string;
  /** Unset only in production, where the gateway refuses to route to a subgraph without one. */
  readonly secret: string | undefined;
  readonly secretVariable: string;
  /** This subgraph's own fetch deadline (configuration file, `subgraphs.<name>.timeoutMs`); unset: `subgraphTimeoutMs`. */
  readonly timeoutMs?: number;
  /** This subgraph's own resilience settings (configuration file); unset ones: `resilience`'s. */
  readonly resilience?: Partial<ResilienceSettings>;
}

/** A plugin the configuration file lists: its module's default export is `(options, deps) => GatewayFeature | undefined` (gateway/config-file/plugins.ts). */
export interface PluginDeclaration {
  /** An absolute path (the file's relative one resolved against the file's folder) or a package name. */
  readonly module: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** Where it is declared, for errors: `gateway.config.yaml: plugins[0]`. */
  readonly declaredAt: string;
}

/** Bounds of the graphql-ws endpoint (see docs/subscriptions.md). */
export interface SubscriptionLimits {
  /** Open WebSocket connections on this gateway instance; beyond it the upgrade gets HTTP 503. */
  readonly maxConnections: number;
  /** Subscriptions at once on one connection. */
  readonly maxPerConnection: number;
  /** Subscriptions at once of one user on this gateway instance, over all their connections. */
  readonly maxPerUser: number;
  /** Server pings every this many ms; a client not heard from (pong or message) for two periods is dropped. 0: never. */
  readonly keepAliveMs: number;
  /** How long a new connection may take to send `connection_init` (else close 4408). */
  readonly connectionInitTimeoutMs: number;
  /** Federated executions that subscriptions run at once (events fan out to many subscribers). */
  readonly fetchConcurrency: number;
}

export interface GatewayConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  readonly logLevel: z.infer<typeof logLevel>;
  readonly logFormat: LogFormat;
  readonly supergraphPath: string;
  /** Hot reload: watch supergraphPath; follow a Redis key (with REDIS_URL) that `npm run schema:publish` writes. */
  readonly supergraphReload: { readonly watch: boolean; readonly redisKey: string | undefined };
  readonly subgraphs: Readonly<Record<SubgraphName, SubgraphEndpoint>>;
  readonly jwt: { readonly jwksUrl: string; readonly issuer: string; readonly audience: string; readonly jwksCooldownSeconds: number };
  readonly introspection: boolean;
  readonly maxBodyBytes: number;
  readonly subgraphTimeoutMs: number;
  /** Identical queries in flight share one execution (same operation, variables, viewer) and one subgraph fetch (same subgraph, document, variables, viewer). */
  readonly dedupSubgraphQueries: boolean;
  /** Our executor's query fetches to one subgraph ready at the same moment go as one request (default: on without dedup). */
  readonly batchFetches: boolean;
  /** On SIGTERM, how long in-flight requests may take before their connections are cut. */
  readonly shutdownGraceMs: number;
  readonly resilience: ResilienceSettings;
  readonly rateLimits: RateLimitSettings;
  /** The mutation fields under the brute-force budget (AUTH_RATE_LIMIT_*_FIELDS). */
  readonly authThrottle: AuthThrottleSettings;
  /** Proxies (addresses, CIDR ranges) whose X-Forwarded-For and x-request-id are believed. */
  readonly trustedProxies: TrustedProxies;
  /** Browser origins allowed to call the gateway (CORS); empty: no cross-origin access. */
  readonly corsOrigins: readonly string[];
  readonly operationLimits: OperationLimits;
  /** What operations may cost, from the supergraph's @cost and @listSize (see gateway/demand-control/). */
  readonly demandControl: DemandControlSettings;
  /** @authenticated, @requiresScopes, @policy at the gateway (see gateway/authorization/). */
  readonly authorization: AuthorizationSettings;
  /** Mutation fields whose failures count per IP under the same budget (AUTH_RATE_LIMIT_FAILURE_FIELDS: session refreshes). */
  readonly authFailuresPerIp: readonly string[];
  /** Which headers go from clients to subgraphs and back (GATEWAY_HEADER_RULES; see docs/header-propagation.md). */
  readonly headerRules: HeaderRules;
  /** Gateway processes behind one port (gateway/workers/cluster.ts); 1: this process serves. */
  readonly workers: number;
  /** Plans shared in Redis by workers and replicas (gateway/plan-store/); without `redisUrl`, plans stay in each process. */
  readonly sharedPlans: { readonly redisUrl: string | undefined; readonly keyPrefix: string };
  readonly subscriptions: SubscriptionLimits;
  /** Where subscription events come from when the gateway runs alone (gateway/main.ts). */
  readonly messaging: MessagingConfig;
  /** Which operations the gateway runs: its clients' manifests (see gateway/trusted-documents/). */
  readonly trustedDocuments: TrustedDocumentSettings;
  /** Subgraph answers kept per fetch, dropped by the domain events (see gateway/entity-cache/). */
  readonly entityCache: EntityCacheSettings;
  /** The configuration file read (absolute path), if any. */
  readonly configFile: string | undefined;
  /** Plugins the configuration file lists, in order (loaded by start-gateway.ts). */
  readonly plugins: readonly PluginDeclaration[];
}

/** Where a storefront runs on a laptop (Vite's dev server and preview, Next.js and the like), and the gateway's own origin. */
const developmentOrigins = (port: number) => [
  'http://localhost:5173',
  'http://127.0.0.1:5173',
  'http://localhost:4173',
  'http://localhost:3000',
  `http://localhost:${port}`,
  `http://127.0.0.1:${port}`,
];
const fieldList = (value: string) =>
  value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

const urlVariable = (name: SubgraphName) => `SUBGRAPH_URL_${name.toUpperCase()}`;
const secretVariable = (name: SubgraphName) => `SUBGRAPH_SECRET_${name.toUpperCase()}`;
/** The two above, read by name per subgraph in loadGatewayConfig, documented as parseEnv's are (docs/configuration.md). */
export const perSubgraphVariables = {
  'SUBGRAPH_URL_<NAME>': z.url().meta({ description: 'where that subgraph listens', unset: '`http://localhost:<its port>/graphql`' }),
  'SUBGRAPH_SECRET_<NAME>': z
    .string()
    .min(16)
    .meta({ description: "must equal that subgraph's `SUBGRAPH_SECRET` (16+ characters)", unset: 'a development secret', production: 'required for every subgraph it routes to' }),
};

/** `client=file.json` entries and directories (`dir/`, every `<client>.json` in it), comma-separated. */
function parseManifestList(list: string): TrustedDocumentSettings['manifests'] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      if (entry.endsWith('/')) return { directory: resolve(entry) };
      const [client, file] = entry.split('=');
      if (!client || !file) throw new ConfigError([`PERSISTED_DOCUMENTS_MANIFESTS: "${entry}" is neither client=file.json nor a directory/`]);
      return { client, file: resolve(file) };
    });
}

/** Every gateway variable and its schema: what parseEnv checks the environment with, and what a configuration file's values are checked with (gateway/config-file/). */
export const gatewayVariables = {
  NODE_ENV: nodeEnv,
  HOST: host,
  PORT: port(SERVICE_PORTS.gateway),
  LOG_LEVEL: logLevel,
  LOG_FORMAT: logFormat,
  SUPERGRAPH_PATH: z.string().default('supergraph.graphql').describe('the composed schema it serves'),
  SUPERGRAPH_WATCH: booleanFlag(true).describe('serve a new `SUPERGRAPH_PATH` when the file changes (see docs/operations.md, "Supergraph hot reload")'),
  SUPERGRAPH_REDIS_KEY: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'with `REDIS_URL`: the Redis key every replica follows for new supergraphs (`npm run schema:publish` writes it)', unset: 'unset: no Redis source' }),
  JWKS_URL: z.string().url().default(`http://localhost:${SERVICE_PORTS.accounts}${JWKS_PATH}`).describe("the accounts subgraph's key set, which tokens are verified against"),
  JWT_ISSUER: z.string().default(JWT_DEFAULTS.issuer).describe('the `iss` claim a token must carry'),
  JWT_AUDIENCE: z.string().default(JWT_DEFAULTS.audience).describe('the `aud` claim a token must carry'),
  JWKS_COOLDOWN_SECONDS: positiveInt(30).describe('a token signed by an unknown key refetches the cached JWKS at most once per this many seconds'),
  INTROSPECTION: booleanFlag(true).meta({ description: 'schema introspection (in production only `INTROSPECTION=true` turns it on)', production: '`false`' }),
  MAX_BODY_BYTES: positiveInt(1_000_000).describe('larger request bodies get 413 `PAYLOAD_TOO_LARGE`'),
  SUBGRAPH_TIMEOUT_MS: positiveInt(10_000).describe('bound on every subgraph fetch (each attempt)'),
  GATEWAY_DEDUP: booleanFlag(false).describe(
    'identical queries in flight at once share their work: the same operation with the same variables and viewer shares one execution, and the same subgraph query (document, variables, viewer) one fetch; never mutations',
  ),
  GATEWAY_BATCH_FETCHES: optionalFlag.meta({
    description:
      'our executor sends the query fetches to one subgraph that are ready at the same moment (one client request) as one request, split back per fetch; never mutations; below the entity cache',
    unset: '`true` unless `GATEWAY_DEDUP`',
  }),
  SHUTDOWN_GRACE_MS: positiveInt(DEFAULT_SHUTDOWN_GRACE_MS).describe(
    'on SIGTERM, how long requests in flight may take before their connections are cut (WebSockets close with 1001 first)',
  ),
  SUBGRAPH_RETRIES: z.coerce
    .number()
    .int()
    .min(0)
    .max(5)
    .default(2)
    .describe('extra attempts for a query fetch after a timeout, a refused connection or a 5xx (0-5); mutations are never retried'),
  SUBGRAPH_BREAKER_THRESHOLD: positiveInt(5).describe("consecutive failures that open a subgraph's circuit breaker"),
  SUBGRAPH_BREAKER_HALF_OPEN_MS: positiveInt(5_000).describe('how long an open breaker waits before a trial request'),
  SUBGRAPH_MAX_CONCURRENCY: positiveInt(100).describe('bulkhead: concurrent fetches per subgraph'),
  SUBGRAPH_MAX_QUEUE: z.coerce.number().int().min(0).default(1_000).describe('bulkhead: fetches waiting for a slot; beyond that refused at once'),
  RATE_LIMIT_ENABLED: booleanFlag(true).describe(
    '`false` turns rate limiting off entirely: no log-in guard, no `RateLimit-*` headers, no Redis connection or `redis` readiness check',
  ),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional()
    .meta({
      description:
        "Redis (`redis://`, `rediss://`): shared rate-limit budgets (without it, or while it is down, a per-process limiter takes over), the entity cache's shared store, and with `SUPERGRAPH_REDIS_KEY` the supergraph source",
      unset: 'unset: all of it per process',
    }),
  RATE_LIMIT_KEY_PREFIX: z.string().default('ratelimit').describe("prefix of the rate-limit budgets' Redis keys"),
  RATE_LIMIT_WINDOW_SECONDS: positiveInt(60).describe('the window of the per-user and per-IP request budgets'),
  RATE_LIMIT_USER_POINTS: positiveInt(600).describe('requests per signed-in user per window; beyond it 429 `RATE_LIMITED` with `Retry-After`'),
  RATE_LIMIT_ANONYMOUS_POINTS: positiveInt(300).describe('requests per client IP (anonymous) per window; beyond it 429 `RATE_LIMITED`'),
  AUTH_RATE_LIMIT_POINTS: positiveInt(10).describe(
    'failed log-ins per IP and per account, and sign-ups per IP, per `AUTH_RATE_LIMIT_WINDOW_SECONDS`; beyond it 429 `RATE_LIMITED` (a successful log-in is given back)',
  ),
  AUTH_RATE_LIMIT_WINDOW_SECONDS: positiveInt(900).describe('the window of the brute-force budget (`AUTH_RATE_LIMIT_POINTS`)'),
  // `field:argument.path` (the argument naming the account), comma-separated.
  AUTH_RATE_LIMIT_CREDENTIAL_FIELDS: z
    .string()
    .default('logIn:input.email')
    .refine((value) => fieldList(value).every((entry) => /^[_A-Za-z]\w*:[_A-Za-z]\w*(\.[_A-Za-z]\w*)*$/.test(entry)), 'must be field:argument.path, comma-separated')
    .describe('the mutation fields under the brute-force budget whose failures count: `field:argument.path` naming the account, comma-separated'),
  AUTH_RATE_LIMIT_EVERY_ATTEMPT_FIELDS: z
    .string()
    .default('signUp')
    .refine((value) => fieldList(value).every((entry) => /^[_A-Za-z]\w*$/.test(entry)), 'must be field names, comma-separated')
    .describe('the mutation fields under the brute-force budget whose every attempt counts, comma-separated'),
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .describe(
      'comma-separated proxy addresses and CIDR ranges (IPv4, IPv6) whose `X-Forwarded-For` (read from the right, skipping trusted hops) and `x-request-id` are believed; never a range browsers come from',
    ),
  CORS_ORIGINS: z.string().optional().meta({
    description: 'comma-separated browser origins allowed to call the gateway; `none` for none',
    unset: "local dev servers (`http://localhost:5173`, `http://127.0.0.1:5173`, `http://localhost:4173`, `http://localhost:3000`, the gateway's own)",
    production: 'none',
  }),
  MAX_QUERY_DEPTH: positiveInt(12).describe('query depth; deeper is 400 `DEPTH_LIMIT_EXCEEDED`'),
  MAX_QUERY_ALIASES: positiveInt(30).describe('aliases in an operation; more is 400 `ALIAS_LIMIT_EXCEEDED`'),
  MAX_QUERY_DIRECTIVES: positiveInt(20).describe('directives in an operation; more is 400 `DIRECTIVE_LIMIT_EXCEEDED`'),
  MAX_QUERY_TOKENS: positiveInt(3_000).describe('tokens in a document, enforced by the parser; more is 400 `TOKEN_LIMIT_EXCEEDED`'),
  MAX_QUERY_COST: positiveInt(5_000).describe(
    'estimated cost, from the supergraph\'s `@cost` and `@listSize` (see docs/protection.md, "Demand control"); more is 400 `COST_ESTIMATED_TOO_EXPENSIVE` before any subgraph fetch',
  ),
  MAX_QUERY_COST_MODE: z
    .enum(COST_MODES)
    .default('enforce')
    .describe('`enforce`: refuse over `MAX_QUERY_COST`; `measure`: log and count only; `off`: no demand control (no cost, no budget)'),
  COST_DEFAULT_LIST_SIZE: positiveInt(10).describe('the size assumed for a list field without `@listSize` (or whose slicing arguments are not given)'),
  COST_EXTENSIONS: optionalFlag.meta({
    description: '`extensions.cost` (`estimated`, `actual`, `max`, `budget`) and the `cost-estimated`/`cost-actual` response headers',
    unset: '`true` when `NODE_ENV=development`, else `false`',
    production: '`false`',
  }),
  COST_BUDGET_ENABLED: optionalFlag.meta({
    description: 'budgets of actual cost per window (per signed-in user, per address when anonymous); a spent one is 429 `RATE_LIMITED` in cost units',
    unset: 'as `RATE_LIMIT_ENABLED`',
  }),
  COST_BUDGET_USER_POINTS: positiveInt(200_000).describe('actual cost a signed-in user may spend per `COST_BUDGET_WINDOW_SECONDS`'),
  COST_BUDGET_ANONYMOUS_POINTS: positiveInt(100_000).describe('actual cost one client address (anonymous) may spend per `COST_BUDGET_WINDOW_SECONDS`'),
  COST_BUDGET_WINDOW_SECONDS: positiveInt(60).describe('the window of the cost budgets'),
  MAX_PAGE_SIZE: positiveInt(100).describe('page size (`first`, `last`); more is 400 `PAGE_SIZE_LIMIT_EXCEEDED`'),
  SUBSCRIPTIONS_MAX_CONNECTIONS: positiveInt(10_000).describe('open WebSocket connections per gateway, and open HTTP subscription streams; beyond it HTTP 503'),
  SUBSCRIPTIONS_MAX_PER_CONNECTION: positiveInt(100).describe('subscriptions at once on one connection'),
  SUBSCRIPTIONS_MAX_PER_USER: positiveInt(200).describe('subscriptions at once of one user on one gateway, over all their connections and both transports'),
  SUBSCRIPTIONS_KEEPALIVE_MS: nonNegativeInt(12_000).describe(
    'WebSocket ping interval (a client not heard from for two intervals is dropped) and HTTP stream heartbeat interval; `0` turns both off',
  ),
  SUBSCRIPTIONS_INIT_TIMEOUT_MS: positiveInt(3_000).describe('time a new connection has to send `connection_init` (else close 4408)'),
  SUBSCRIPTIONS_FETCH_CONCURRENCY: positiveInt(32).describe('federated executions subscriptions run at once (initial results and events)'),
  PERSISTED_DOCUMENTS: z
    .enum(PERSISTED_DOCUMENT_MODES)
    .optional()
    .meta({ description: 'which operations run: `off`, `log`, `allow`, `require` (see docs/protection.md, "Trusted documents")', unset: '`allow`', production: '`require`' }),
  PERSISTED_DOCUMENTS_MANIFESTS: z
    .string()
    .default('web=sdk/persisted-operations.json,trusted-documents/')
    .describe("the clients' manifests: `client=file.json`, or a directory of `<client>.json`, comma-separated"),
  PERSISTED_DOCUMENTS_CACHE_MAX_AGE: nonNegativeInt(60).describe('`Cache-Control: public, max-age` of an anonymous GET by id; `0`: never cacheable'),
  ENTITY_CACHE_ENABLED: optionalFlag.meta({
    description: 'the entity cache (see docs/entity-cache.md); `false`: none of it exists',
    unset: '`true` when `REDIS_URL` is set (and under `npm start`), else `false`',
  }),
  ENTITY_CACHE_STORE: z.enum(['redis', 'memory']).optional().meta({
    description: "where entries live: `redis`, shared by the replicas, or this process's `memory`; `redis` without `REDIS_URL` is refused",
    unset: '`redis` with `REDIS_URL`, else `memory`',
  }),
  ENTITY_CACHE_KEY_PREFIX: z.string().min(1).default('entity-cache').describe("the entity cache's Redis keys' prefix"),
  ENTITY_CACHE_MAX_ENTRIES: positiveInt(50_000).describe("the memory store's bound (least recently used go first)"),
  GATEWAY_WORKERS: z.coerce.number().int().positive().max(256).optional().meta({
    description:
      'gateway processes behind one port (node:cluster): the primary forks them, replaces a crashed one, and forwards SIGTERM; more than 1 in production needs `REDIS_URL` when rate limiting is on (shared budgets); see docs/operations.md, "Workers and replicas"',
    unset: '`1`',
    production: 'the available parallelism (CPU cores) with `REDIS_URL` or `RATE_LIMIT_ENABLED=false`, else `1`',
  }),
  PLAN_CACHE_REDIS: optionalFlag.meta({
    description: 'query plans shared in Redis by workers and replicas, surviving restarts (see docs/operations.md, "Shared query plans"); `false`: plans stay per process',
    unset: '`true` when `REDIS_URL` is set',
  }),
  PLAN_CACHE_KEY_PREFIX: z.string().min(1).default('plans').describe("the shared plans' Redis keys' prefix (`npm run schema:publish` writes there too)"),
  AUTH_RATE_LIMIT_FAILURE_FIELDS: z
    .string()
    .default('refreshSession')
    .refine((value) => value === 'none' || fieldList(value).every((entry) => /^[_A-Za-z]\w*$/.test(entry)), 'must be field names, comma-separated')
    .describe('the mutation fields under the brute-force budget whose failures count per IP (no account to name: refresh guesses), comma-separated; `none` for none'),
  GATEWAY_HEADER_RULES: z.string().optional().meta({
    description:
      'JSON: which client headers reach which subgraphs (forwarded, renamed, inserted) and which subgraph response headers reach the client (Set-Cookie appended, others first/last, or refused); see docs/header-propagation.md',
    unset: 'no rule: nothing propagates either way',
  }),
  ...authorizationVariables,
};

/**
 * Where each variable sits in the configuration file (GATEWAY_CONFIG_FILE): the same schema checks
 * both, and the variable, when set, overrides the file. `NODE_ENV` stays a variable: it is the whole
 * process's mode, and the file is read knowing it.
 */
export const gatewayFileKeys: { readonly [Name in Exclude<keyof typeof gatewayVariables, 'NODE_ENV'>]: { readonly key: string; readonly value?: FileValue } } = {
  HOST: { key: 'server.host' },
  PORT: { key: 'server.port' },
  LOG_LEVEL: { key: 'log.level' },
  LOG_FORMAT: { key: 'log.format' },
  SUPERGRAPH_PATH: { key: 'supergraph.path', value: 'path' },
  SUPERGRAPH_WATCH: { key: 'supergraph.watch' },
  SUPERGRAPH_REDIS_KEY: { key: 'supergraph.redisKey' },
  JWKS_URL: { key: 'jwt.jwksUrl' },
  JWT_ISSUER: { key: 'jwt.issuer' },
  JWT_AUDIENCE: { key: 'jwt.audience' },
  JWKS_COOLDOWN_SECONDS: { key: 'jwt.jwksCooldownSeconds' },
  INTROSPECTION: { key: 'server.introspection' },
  MAX_BODY_BYTES: { key: 'server.maxBodyBytes' },
  SUBGRAPH_TIMEOUT_MS: { key: 'subgraphDefaults.timeoutMs' },
  GATEWAY_DEDUP: { key: 'fetch.dedup' },
  GATEWAY_BATCH_FETCHES: { key: 'fetch.batch' },
  SHUTDOWN_GRACE_MS: { key: 'server.shutdownGraceMs' },
  SUBGRAPH_RETRIES: { key: 'subgraphDefaults.retries' },
  SUBGRAPH_BREAKER_THRESHOLD: { key: 'subgraphDefaults.breakerThreshold' },
  SUBGRAPH_BREAKER_HALF_OPEN_MS: { key: 'subgraphDefaults.breakerHalfOpenMs' },
  SUBGRAPH_MAX_CONCURRENCY: { key: 'subgraphDefaults.maxConcurrency' },
  SUBGRAPH_MAX_QUEUE: { key: 'subgraphDefaults.maxQueue' },
  RATE_LIMIT_ENABLED: { key: 'rateLimits.enabled' },
  REDIS_URL: { key: 'redis.url' },
  RATE_LIMIT_KEY_PREFIX: { key: 'rateLimits.keyPrefix' },
  RATE_LIMIT_WINDOW_SECONDS: { key: 'rateLimits.windowSeconds' },
  RATE_LIMIT_USER_POINTS: { key: 'rateLimits.userPoints' },
  RATE_LIMIT_ANONYMOUS_POINTS: { key: 'rateLimits.anonymousPoints' },
  AUTH_RATE_LIMIT_POINTS: { key: 'rateLimits.logIn.points' },
  AUTH_RATE_LIMIT_WINDOW_SECONDS: { key: 'rateLimits.logIn.windowSeconds' },
  AUTH_RATE_LIMIT_CREDENTIAL_FIELDS: { key: 'rateLimits.logIn.credentialFields', value: 'list' },
  AUTH_RATE_LIMIT_EVERY_ATTEMPT_FIELDS: { key: 'rateLimits.logIn.everyAttemptFields', value: 'list' },
  TRUSTED_PROXIES: { key: 'server.trustedProxies', value: 'list' },
  CORS_ORIGINS: { key: 'server.corsOrigins', value: 'list' },
  MAX_QUERY_DEPTH: { key: 'operationLimits.maxDepth' },
  MAX_QUERY_ALIASES: { key: 'operationLimits.maxAliases' },
  MAX_QUERY_DIRECTIVES: { key: 'operationLimits.maxDirectives' },
  MAX_QUERY_TOKENS: { key: 'operationLimits.maxTokens' },
  MAX_QUERY_COST: { key: 'demandControl.maxCost' },
  MAX_QUERY_COST_MODE: { key: 'demandControl.mode' },
  COST_DEFAULT_LIST_SIZE: { key: 'demandControl.defaultListSize' },
  COST_EXTENSIONS: { key: 'demandControl.expose' },
  COST_BUDGET_ENABLED: { key: 'demandControl.budget.enabled' },
  COST_BUDGET_USER_POINTS: { key: 'demandControl.budget.userPoints' },
  COST_BUDGET_ANONYMOUS_POINTS: { key: 'demandControl.budget.anonymousPoints' },
  COST_BUDGET_WINDOW_SECONDS: { key: 'demandControl.budget.windowSeconds' },
  GATEWAY_AUTHORIZATION: { key: 'authorization.mode' },
  AUTH_RATE_LIMIT_FAILURE_FIELDS: { key: 'rateLimits.logIn.failurePerIpFields' },
  GATEWAY_HEADER_RULES: { key: 'headers', value: 'json' },
  GATEWAY_WORKERS: { key: 'workers' },
  PLAN_CACHE_REDIS: { key: 'sharedPlans.enabled' },
  PLAN_CACHE_KEY_PREFIX: { key: 'sharedPlans.keyPrefix' },
  GATEWAY_POLICY_MODULE: { key: 'authorization.policyModule', value: 'path' },
  MAX_PAGE_SIZE: { key: 'operationLimits.maxPageSize' },
  SUBSCRIPTIONS_MAX_CONNECTIONS: { key: 'subscriptions.maxConnections' },
  SUBSCRIPTIONS_MAX_PER_CONNECTION: { key: 'subscriptions.maxPerConnection' },
  SUBSCRIPTIONS_MAX_PER_USER: { key: 'subscriptions.maxPerUser' },
  SUBSCRIPTIONS_KEEPALIVE_MS: { key: 'subscriptions.keepAliveMs' },
  SUBSCRIPTIONS_INIT_TIMEOUT_MS: { key: 'subscriptions.initTimeoutMs' },
  SUBSCRIPTIONS_FETCH_CONCURRENCY: { key: 'subscriptions.fetchConcurrency' },
  PERSISTED_DOCUMENTS: { key: 'trustedDocuments.mode' },
  PERSISTED_DOCUMENTS_MANIFESTS: { key: 'trustedDocuments.manifests', value: 'manifests' },
  PERSISTED_DOCUMENTS_CACHE_MAX_AGE: { key: 'trustedDocuments.cacheMaxAgeSeconds' },
  ENTITY_CACHE_ENABLED: { key: 'entityCache.enabled' },
  ENTITY_CACHE_STORE: { key: 'entityCache.store' },
  ENTITY_CACHE_KEY_PREFIX: { key: 'entityCache.keyPrefix' },
  ENTITY_CACHE_MAX_ENTRIES: { key: 'entityCache.maxEntries' },
};

/**
 * Each subgraph's settings in the file, under `subgraphs.<name>`: its endpoint (which its variables
 * override), and its own fetch deadline and resilience, checked like (and overriding for it) the
 * variables that set them for every subgraph.
 */
export const perSubgraphFileSettings = {
  url: { variable: 'SUBGRAPH_URL_<NAME>', schema: perSubgraphVariables['SUBGRAPH_URL_<NAME>'] },
  secret: { variable: 'SUBGRAPH_SECRET_<NAME>', schema: perSubgraphVariables['SUBGRAPH_SECRET_<NAME>'] },
  timeoutMs: { overrides: 'SUBGRAPH_TIMEOUT_MS', schema: gatewayVariables.SUBGRAPH_TIMEOUT_MS },
  retries: { overrides: 'SUBGRAPH_RETRIES', schema: gatewayVariables.SUBGRAPH_RETRIES },
  breakerThreshold: { overrides: 'SUBGRAPH_BREAKER_THRESHOLD', schema: gatewayVariables.SUBGRAPH_BREAKER_THRESHOLD },
  breakerHalfOpenMs: { overrides: 'SUBGRAPH_BREAKER_HALF_OPEN_MS', schema: gatewayVariables.SUBGRAPH_BREAKER_HALF_OPEN_MS },
  maxConcurrency: { overrides: 'SUBGRAPH_MAX_CONCURRENCY', schema: gatewayVariables.SUBGRAPH_MAX_CONCURRENCY },
  maxQueue: { overrides: 'SUBGRAPH_MAX_QUEUE', schema: gatewayVariables.SUBGRAPH_MAX_QUEUE },
} as const;

/** Sections the file keeps a place for, whose rules another change defines: refused until then, rather than ignored. */
const reserved = (what: string) =>
  z.unknown().superRefine((_value, context) => context.addIssue({ code: 'custom', message: `reserved for ${what}, which this version does not read yet` }));

/** The file's sections that are lists or rules rather than single settings (see docs/configuration.md, "The configuration file"). */
export const gatewayFileSections = {
  plugins: z.array(z.strictObject({ module: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() })).meta({
    description:
      'gateway features from modules: `module` (a path relative to the file, or a package) whose default export is `(options, deps) => GatewayFeature | undefined`, and its `options`; in order, after the built-in features',
  }),
  policies: reserved('policies').meta({ description: 'reserved: the access policies, defined by their own change' }),
};

const gatewayFileSchema: FileSchema = {
  leaves: [
    ...Object.entries(gatewayFileKeys).map(([variable, { key, value }]) => ({
      key,
      variable,
      value: value ?? 'scalar',
      schema: gatewayVariables[variable as keyof typeof gatewayFileKeys],
    })),
    ...SUBGRAPH_NAMES.flatMap((name) =>
      Object.entries(perSubgraphFileSettings).map(([setting, entry]) => ({
        key: `subgraphs.${name}.${setting}`,
        schema: entry.schema,
        ...('variable' in entry ? { variable: entry.variable.replace('<NAME>', name.toUpperCase()) } : {}),
      })),
    ),
  ],
  sections: gatewayFileSections,
};

/** Read on its own, first: the file it names is a layer under every other variable. */
const configFileVariable = {
  GATEWAY_CONFIG_FILE: z.string().optional().meta({
    description:
      'a YAML or JSON configuration file (see "The configuration file" above): every setting below at its file key, per-subgraph settings and plugins; a variable set overrides its key',
    unset: 'no file',
  }),
};

/** A subgraph's own settings from the file (`subgraphs.<name>.timeoutMs` and the resilience ones). */
function ownSettings(file: LoadedConfigFile | undefined, name: SubgraphName): Pick<SubgraphEndpoint, 'timeoutMs' | 'resilience'> {
  const value = (setting: keyof typeof perSubgraphFileSettings) => file?.values[`subgraphs.${name}.${setting}`] as number | undefined;
  const resilience: Partial<Record<keyof ResilienceSettings, number | undefined>> = {
    retries: value('retries'),
    breakerThreshold: value('breakerThreshold'),
    halfOpenAfterMs: value('breakerHalfOpenMs'),
    maxConcurrent: value('maxConcurrency'),
    maxQueued: value('maxQueue'),
  };
  const set = Object.fromEntries(Object.entries(resilience).filter(([, setting]) => setting !== undefined));
  const timeoutMs = value('timeoutMs');
  return { ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(Object.keys(set).length > 0 ? { resilience: set } : {}) };
}

/** The file's plugin list, each module path relative to the file made absolute (a package name stays as it is). */
function pluginsOf(file: LoadedConfigFile | undefined, shownPath: string): PluginDeclaration[] {
  const listed = file?.sections['plugins'] as z.output<typeof gatewayFileSections.plugins> | undefined;
  return (listed ?? []).map((plugin, index) => ({
    module: plugin.module.startsWith('.') || isAbsolute(plugin.module) ? resolve(dirname(file!.path), plugin.module) : plugin.module,
    options: plugin.options ?? {},
    declaredAt: `${shownPath}: plugins[${index}]`,
  }));
}

export function loadGatewayConfig(variables: Record<string, string | undefined> = process.env): GatewayConfig {
  const { GATEWAY_CONFIG_FILE: configPath } = parseEnv(configFileVariable, variables);
  const file = configPath === undefined ? undefined : loadConfigFile(configPath, gatewayFileSchema);
  // Variables over the file: compose and Kubernetes set variables and keep working with or without one.
  const env = file ? withFileValues(variables, file) : variables;
  const parsed = parseEnv(gatewayVariables, env);
  const production = parsed.NODE_ENV === 'production';
  const issues: string[] = [];
  const subgraphs = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => {
      const url = env[urlVariable(name)] || `http://localhost:${SERVICE_PORTS[name]}/graphql`;
      if (!z.string().url().safeParse(url).success) issues.push(`${urlVariable(name)}: must be a URL`);
      const secret = env[secretVariable(name)] || undefined;
      if (secret !== undefined && secret.length < 16) issues.push(`${secretVariable(name)}: must be at least 16 characters`);
      return [name, { url, secret: secret ?? (production ? undefined : devSubgraphSecret(name)), secretVariable: secretVariable(name), ...ownSettings(file, name) }];
    }),
  ) as Record<SubgraphName, SubgraphEndpoint>;
  let trustedProxies: TrustedProxies = parseTrustedProxies('');
  try {
    trustedProxies = parseTrustedProxies(parsed.TRUSTED_PROXIES);
  } catch (error) {
    issues.push(`TRUSTED_PROXIES: ${(error as Error).message}`);
  }
  let corsOrigins: string[] = [];
  try {
    corsOrigins = parseOrigins(parsed.CORS_ORIGINS ?? (production ? '' : developmentOrigins(parsed.PORT).join(',')));
  } catch (error) {
    issues.push(`CORS_ORIGINS: ${(error as Error).message}`);
  }
  // On with a Redis to share it; a store named explicitly must be usable.
  const cacheStore = parsed.ENTITY_CACHE_STORE ?? (parsed.REDIS_URL ? 'redis' : 'memory');
  const cacheEnabled = parsed.ENTITY_CACHE_ENABLED ?? parsed.REDIS_URL !== undefined;
  if (cacheEnabled && cacheStore === 'redis' && !parsed.REDIS_URL) issues.push('ENTITY_CACHE_STORE: "redis" needs REDIS_URL');
  // Per-process rate-limit budgets would multiply by the workers: production shares them in Redis or runs one.
  const budgetsShared = parsed.REDIS_URL !== undefined || !parsed.RATE_LIMIT_ENABLED;
  const workers = parsed.GATEWAY_WORKERS ?? (production && budgetsShared ? availableParallelism() : 1);
  if (production && workers > 1 && !budgetsShared)
    issues.push(`GATEWAY_WORKERS: ${workers} workers in production need REDIS_URL (each worker would have rate-limit budgets of its own), or RATE_LIMIT_ENABLED=false`);
  if (parsed.PLAN_CACHE_REDIS === true && !parsed.REDIS_URL) issues.push('PLAN_CACHE_REDIS: "true" needs REDIS_URL');
  let headerRules: HeaderRules = {};
  if (parsed.GATEWAY_HEADER_RULES !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(parsed.GATEWAY_HEADER_RULES);
    } catch (error) {
      issues.push(`GATEWAY_HEADER_RULES: not JSON (${(error as Error).message})`);
    }
    if (json !== undefined) {
      const rules = parseHeaderRules(json, 'GATEWAY_HEADER_RULES', SUBGRAPH_NAMES);
      if ('issues' in rules) issues.push(...rules.issues);
      else headerRules = rules.rules;
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    nodeEnv: parsed.NODE_ENV,
    host: parsed.HOST ?? defaultHost(parsed.NODE_ENV),
    port: parsed.PORT,
    logLevel: parsed.LOG_LEVEL,
    logFormat: defaultLogFormat(parsed.NODE_ENV, parsed.LOG_FORMAT),
    supergraphPath: resolve(parsed.SUPERGRAPH_PATH),
    supergraphReload: { watch: parsed.SUPERGRAPH_WATCH, redisKey: parsed.SUPERGRAPH_REDIS_KEY },
    subgraphs,
    jwt: { jwksUrl: parsed.JWKS_URL, issuer: parsed.JWT_ISSUER, audience: parsed.JWT_AUDIENCE, jwksCooldownSeconds: parsed.JWKS_COOLDOWN_SECONDS },
    // Production hides the schema unless INTROSPECTION is set explicitly.
    introspection: production ? env['INTROSPECTION'] === 'true' : parsed.INTROSPECTION,
    maxBodyBytes: parsed.MAX_BODY_BYTES,
    subgraphTimeoutMs: parsed.SUBGRAPH_TIMEOUT_MS,
    dedupSubgraphQueries: parsed.GATEWAY_DEDUP,
    // With dedup, identical queries share whole executions and fetches, and batching measured slower
    // (bench/results.md): on by default only without it.
    batchFetches: parsed.GATEWAY_BATCH_FETCHES ?? !parsed.GATEWAY_DEDUP,
    shutdownGraceMs: parsed.SHUTDOWN_GRACE_MS,
    resilience: {
      retries: parsed.SUBGRAPH_RETRIES,
      breakerThreshold: parsed.SUBGRAPH_BREAKER_THRESHOLD,
      halfOpenAfterMs: parsed.SUBGRAPH_BREAKER_HALF_OPEN_MS,
      maxConcurrent: parsed.SUBGRAPH_MAX_CONCURRENCY,
      maxQueued: parsed.SUBGRAPH_MAX_QUEUE,
    },
    rateLimits: {
      enabled: parsed.RATE_LIMIT_ENABLED,
      redisUrl: parsed.REDIS_URL,
      keyPrefix: parsed.RATE_LIMIT_KEY_PREFIX,
      user: { points: parsed.RATE_LIMIT_USER_POINTS, windowSeconds: parsed.RATE_LIMIT_WINDOW_SECONDS },
      anonymous: { points: parsed.RATE_LIMIT_ANONYMOUS_POINTS, windowSeconds: parsed.RATE_LIMIT_WINDOW_SECONDS },
      authFailures: { points: parsed.AUTH_RATE_LIMIT_POINTS, windowSeconds: parsed.AUTH_RATE_LIMIT_WINDOW_SECONDS },
    },
    authThrottle: {
      credentialChecks: fieldList(parsed.AUTH_RATE_LIMIT_CREDENTIAL_FIELDS).map((entry) => {
        const [field = '', path = ''] = entry.split(':');
        return { field, accountArgument: path.split('.') };
      }),
      everyAttempt: fieldList(parsed.AUTH_RATE_LIMIT_EVERY_ATTEMPT_FIELDS),
    },
    trustedProxies,
    corsOrigins,
    operationLimits: {
      maxDepth: parsed.MAX_QUERY_DEPTH,
      maxAliases: parsed.MAX_QUERY_ALIASES,
      maxDirectives: parsed.MAX_QUERY_DIRECTIVES,
      maxTokens: parsed.MAX_QUERY_TOKENS,
      maxPageSize: parsed.MAX_PAGE_SIZE,
    },
    authorization: authorizationSettingsFrom(parsed),
    authFailuresPerIp: parsed.AUTH_RATE_LIMIT_FAILURE_FIELDS === 'none' ? [] : fieldList(parsed.AUTH_RATE_LIMIT_FAILURE_FIELDS),
    headerRules,
    workers,
    sharedPlans: { redisUrl: (parsed.PLAN_CACHE_REDIS ?? true) ? parsed.REDIS_URL : undefined, keyPrefix: parsed.PLAN_CACHE_KEY_PREFIX },
    demandControl: {
      mode: parsed.MAX_QUERY_COST_MODE,
      maxCost: parsed.MAX_QUERY_COST,
      defaultListSize: parsed.COST_DEFAULT_LIST_SIZE,
      expose: parsed.COST_EXTENSIONS ?? parsed.NODE_ENV === 'development',
      // Shares the rate limits' Redis (and its in-memory insurance), under its own keys.
      budget:
        (parsed.COST_BUDGET_ENABLED ?? parsed.RATE_LIMIT_ENABLED)
          ? {
              user: { points: parsed.COST_BUDGET_USER_POINTS, windowSeconds: parsed.COST_BUDGET_WINDOW_SECONDS },
              anonymous: { points: parsed.COST_BUDGET_ANONYMOUS_POINTS, windowSeconds: parsed.COST_BUDGET_WINDOW_SECONDS },
              redisUrl: parsed.REDIS_URL,
              keyPrefix: parsed.RATE_LIMIT_KEY_PREFIX,
            }
          : undefined,
    },
    subscriptions: {
      maxConnections: parsed.SUBSCRIPTIONS_MAX_CONNECTIONS,
      maxPerConnection: parsed.SUBSCRIPTIONS_MAX_PER_CONNECTION,
      maxPerUser: parsed.SUBSCRIPTIONS_MAX_PER_USER,
      keepAliveMs: parsed.SUBSCRIPTIONS_KEEPALIVE_MS,
      connectionInitTimeoutMs: parsed.SUBSCRIPTIONS_INIT_TIMEOUT_MS,
      fetchConcurrency: parsed.SUBSCRIPTIONS_FETCH_CONCURRENCY,
    },
    messaging: loadMessagingConfig(env),
    trustedDocuments: {
      // Production runs its clients' operations only; a laptop takes any (GraphQL IDEs), known ones by id too.
      mode: parsed.PERSISTED_DOCUMENTS ?? (production ? 'require' : 'allow'),
      manifests: parseManifestList(parsed.PERSISTED_DOCUMENTS_MANIFESTS),
      cacheMaxAgeSeconds: parsed.PERSISTED_DOCUMENTS_CACHE_MAX_AGE,
    },
    entityCache: {
      enabled: cacheEnabled,
      store: cacheStore,
      redisUrl: parsed.REDIS_URL,
      keyPrefix: parsed.ENTITY_CACHE_KEY_PREFIX,
      maxEntries: parsed.ENTITY_CACHE_MAX_ENTRIES,
    },
    configFile: file?.path,
    plugins: pluginsOf(file, configPath ?? ''),
  };
}
