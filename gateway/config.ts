import { resolve } from 'node:path';
import { z } from 'zod';
import { JWKS_PATH, JWT_DEFAULTS } from '../common/auth-defaults.ts';
import { ConfigError, booleanFlag, logFormat, logLevel, nodeEnv, optionalFlag, parseEnv, port, positiveInt } from '../common/config.ts';
import { defaultLogFormat, type LogFormat } from '../common/logger.ts';
import { loadMessagingConfig, type MessagingConfig } from '../common/messaging/messaging-config.ts';
import { DEFAULT_SHUTDOWN_GRACE_MS, SERVICE_PORTS, defaultHost, devSubgraphSecret, type SubgraphName } from '../common/service/subgraph-config.ts';
import type { EntityCacheSettings } from './entity-cache/entity-cache.ts';
import type { ResilienceSettings } from './resilience/subgraph-policies.ts';
import type { AuthThrottleSettings } from './protection/auth-throttle-plugin.ts';
import { parseTrustedProxies, type TrustedProxies } from './protection/client-ip.ts';
import { parseOrigins } from './http/cors.ts';
import type { OperationLimits } from '../common/operation-limits.ts';
import type { RateLimitSettings } from './protection/rate-limiter.ts';
import { PERSISTED_DOCUMENT_MODES, type TrustedDocumentSettings } from './trusted-documents/settings.ts';

export const SUBGRAPH_NAMES = Object.keys(SERVICE_PORTS).filter((name): name is SubgraphName => name !== 'gateway');

export interface SubgraphEndpoint {
  readonly url: string;
  /** Unset only in production, where the gateway refuses to route to a subgraph without one. */
  readonly secret: string | undefined;
  readonly secretVariable: string;
}

/** Bounds of the graphql-ws endpoint (see the README's "Subscriptions"). */
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
  readonly subscriptions: SubscriptionLimits;
  /** Where subscription events come from when the gateway runs alone (gateway/main.ts). */
  readonly messaging: MessagingConfig;
  /** Which operations the gateway runs: its clients' manifests (see gateway/trusted-documents/). */
  readonly trustedDocuments: TrustedDocumentSettings;
  /** Subgraph answers kept per fetch, dropped by the domain events (see gateway/entity-cache/). */
  readonly entityCache: EntityCacheSettings;
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

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const parsed = parseEnv(
    {
      NODE_ENV: nodeEnv,
      HOST: z.string().optional(),
      PORT: port(SERVICE_PORTS.gateway),
      LOG_LEVEL: logLevel,
      LOG_FORMAT: logFormat,
      SUPERGRAPH_PATH: z.string().default('supergraph.graphql'),
      SUPERGRAPH_WATCH: booleanFlag(true),
      SUPERGRAPH_REDIS_KEY: z.string().min(1).optional(),
      JWKS_URL: z.string().url().default(`http://localhost:${SERVICE_PORTS.accounts}${JWKS_PATH}`),
      JWT_ISSUER: z.string().default(JWT_DEFAULTS.issuer),
      JWT_AUDIENCE: z.string().default(JWT_DEFAULTS.audience),
      JWKS_COOLDOWN_SECONDS: positiveInt(30),
      INTROSPECTION: booleanFlag(true),
      MAX_BODY_BYTES: positiveInt(1_000_000),
      SUBGRAPH_TIMEOUT_MS: positiveInt(10_000),
      GATEWAY_DEDUP: booleanFlag(false),
      GATEWAY_BATCH_FETCHES: optionalFlag,
      SHUTDOWN_GRACE_MS: positiveInt(DEFAULT_SHUTDOWN_GRACE_MS),
      SUBGRAPH_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
      SUBGRAPH_BREAKER_THRESHOLD: positiveInt(5),
      SUBGRAPH_BREAKER_HALF_OPEN_MS: positiveInt(5_000),
      SUBGRAPH_MAX_CONCURRENCY: positiveInt(100),
      SUBGRAPH_MAX_QUEUE: z.coerce.number().int().min(0).default(1_000),
      RATE_LIMIT_ENABLED: booleanFlag(true),
      REDIS_URL: z
        .string()
        .regex(/^rediss?:\/\//, 'must be a redis:// URL')
        .optional(),
      RATE_LIMIT_KEY_PREFIX: z.string().default('ratelimit'),
      RATE_LIMIT_WINDOW_SECONDS: positiveInt(60),
      RATE_LIMIT_USER_POINTS: positiveInt(600),
      RATE_LIMIT_ANONYMOUS_POINTS: positiveInt(300),
      AUTH_RATE_LIMIT_POINTS: positiveInt(10),
      AUTH_RATE_LIMIT_WINDOW_SECONDS: positiveInt(900),
      // `field:argument.path` (the argument naming the account), comma-separated.
      AUTH_RATE_LIMIT_CREDENTIAL_FIELDS: z
        .string()
        .default('logIn:input.email')
        .refine((value) => fieldList(value).every((entry) => /^[_A-Za-z]\w*:[_A-Za-z]\w*(\.[_A-Za-z]\w*)*$/.test(entry)), 'must be field:argument.path, comma-separated'),
      AUTH_RATE_LIMIT_EVERY_ATTEMPT_FIELDS: z
        .string()
        .default('signUp')
        .refine((value) => fieldList(value).every((entry) => /^[_A-Za-z]\w*$/.test(entry)), 'must be field names, comma-separated'),
      TRUSTED_PROXIES: z.string().default(''),
      CORS_ORIGINS: z.string().optional(),
      MAX_QUERY_DEPTH: positiveInt(12),
      MAX_QUERY_ALIASES: positiveInt(30),
      MAX_QUERY_DIRECTIVES: positiveInt(20),
      MAX_QUERY_TOKENS: positiveInt(3_000),
      MAX_QUERY_COST: positiveInt(20_000),
      MAX_PAGE_SIZE: positiveInt(100),
      SUBSCRIPTIONS_MAX_CONNECTIONS: positiveInt(10_000),
      SUBSCRIPTIONS_MAX_PER_CONNECTION: positiveInt(100),
      SUBSCRIPTIONS_MAX_PER_USER: positiveInt(200),
      SUBSCRIPTIONS_KEEPALIVE_MS: nonNegativeInt(12_000),
      SUBSCRIPTIONS_INIT_TIMEOUT_MS: positiveInt(3_000),
      SUBSCRIPTIONS_FETCH_CONCURRENCY: positiveInt(32),
      PERSISTED_DOCUMENTS: z.enum(PERSISTED_DOCUMENT_MODES).optional(),
      PERSISTED_DOCUMENTS_MANIFESTS: z.string().default('web=sdk/persisted-operations.json,trusted-documents/'),
      PERSISTED_DOCUMENTS_CACHE_MAX_AGE: nonNegativeInt(60),
      ENTITY_CACHE_ENABLED: optionalFlag,
      ENTITY_CACHE_STORE: z.enum(['redis', 'memory']).optional(),
      ENTITY_CACHE_KEY_PREFIX: z.string().min(1).default('entity-cache'),
      ENTITY_CACHE_MAX_ENTRIES: positiveInt(50_000),
    },
    env,
  );
  const production = parsed.NODE_ENV === 'production';
  const issues: string[] = [];
  const subgraphs = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => {
      const url = env[urlVariable(name)] || `http://localhost:${SERVICE_PORTS[name]}/graphql`;
      if (!z.string().url().safeParse(url).success) issues.push(`${urlVariable(name)}: must be a URL`);
      const secret = env[secretVariable(name)] || undefined;
      if (secret !== undefined && secret.length < 16) issues.push(`${secretVariable(name)}: must be at least 16 characters`);
      return [name, { url, secret: secret ?? (production ? undefined : devSubgraphSecret(name)), secretVariable: secretVariable(name) }];
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
      maxCost: parsed.MAX_QUERY_COST,
      maxPageSize: parsed.MAX_PAGE_SIZE,
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
  };
}
