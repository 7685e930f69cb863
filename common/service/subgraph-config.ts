import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, booleanFlag, host, logFormat, optionalFlag, logLevel, nodeEnv, parseEnv, port, positiveInt } from '../config.ts';
import type { PrismaOpenOptions } from '../database/prisma-client.ts';
import { DEFAULT_HEALTH_CHECK_TIMEOUT_MS } from '../health.ts';
import { defaultLogFormat, type LogFormat } from '../logger.ts';
import { loadMessagingConfig, type MessagingConfig } from '../messaging/messaging-config.ts';
import { DEFAULT_OUTBOX_LEASE_MS } from '../messaging/outbox-store.ts';
import { SERVICE_PORTS, type SubgraphName } from './subgraph-registry.ts';

export { SERVICE_PORTS, type SubgraphName } from './subgraph-registry.ts';

/** The secret a subgraph and the gateway share when none is configured: for a laptop only. */
export const devSubgraphSecret = (name: SubgraphName) => `dev-only-secret-${name}-change-me`;

/**
 * Where a service listens unless HOST says otherwise: every interface in production (a container's
 * port must be reachable), loopback elsewhere, so that a laptop running `npm start` with its
 * committed development secrets is not open to the network it is on.
 */
export const defaultHost = (nodeEnv: 'development' | 'production' | 'test') => (nodeEnv === 'production' ? '0.0.0.0' : '127.0.0.1');

/**
 * Production never creates the demo accounts: their passwords are in this repository. Asking for
 * them there is a configuration error rather than something silently ignored.
 */
export function demoDataAllowed(nodeEnv: 'development' | 'production' | 'test', seedDemoData: boolean | undefined): boolean {
  if (nodeEnv !== 'production') return seedDemoData ?? true;
  if (seedDemoData) {
    throw new ConfigError(['SEED_DEMO_DATA: must not be true when NODE_ENV=production (the demo accounts have published passwords); run the demo with NODE_ENV=development']);
  }
  return false;
}

/** Under Kubernetes' default 30 s between SIGTERM and SIGKILL, with room for the rest of the stop. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 20_000;

export const databaseUrlVariable = (name: SubgraphName) => `DATABASE_URL_${name.toUpperCase()}`;
/** Read by name in loadSubgraphConfig, documented as parseEnv's variables are (docs/configuration.md). */
export const perServiceVariables = {
  'DATABASE_URL_<SERVICE>': z.string().meta({ description: 'a `postgresql://` URL of its database', unset: 'unset: embedded PGlite under `DATA_DIR`' }),
};

export interface SubgraphConfig {
  readonly service: SubgraphName;
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  readonly logLevel: z.infer<typeof logLevel>;
  readonly logFormat: LogFormat;
  /** Set: a real PostgreSQL. Unset: embedded PGlite under `dataDir/<service>`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly databasePoolSize: number;
  /** A statement unanswered after this long fails and its connection is replaced. */
  readonly databaseQueryTimeoutMs: number;
  /** Waiting for a connection, or for a transaction to start, fails after this long: SERVICE_UNAVAILABLE, nothing written. */
  readonly databaseAcquireTimeoutMs: number;
  /** A transaction still open after this long is rolled back. */
  readonly databaseTransactionTimeoutMs: number;
  readonly migrateOnStart: boolean;
  readonly seedDemoData: boolean;
  readonly gatewaySecret: string;
  readonly maxBodyBytes: number;
  /** On SIGTERM, how long in-flight requests may take before their connections are cut. */
  readonly shutdownGraceMs: number;
  /** /health/ready: a dependency's check unanswered this long reads as down. */
  readonly healthCheckTimeoutMs: number;
  /** Published outbox rows and inbox records older than this are deleted. */
  readonly messageRetentionMs: number;
  /** How long the outbox relay's claim on a row lasts (renewed while it lives): how late a crashed relay's rows go out. */
  readonly outboxClaimLeaseMs: number;
  readonly messaging: MessagingConfig;
}

/** Reads the variables every subgraph shares. Production refuses the laptop defaults for secrets. */
export function loadSubgraphConfig(service: SubgraphName, env: Record<string, string | undefined> = process.env): SubgraphConfig {
  const databaseVariable = databaseUrlVariable(service);
  const parsed = parseEnv(
    {
      NODE_ENV: nodeEnv,
      HOST: host,
      PORT: port(SERVICE_PORTS[service]),
      LOG_LEVEL: logLevel,
      LOG_FORMAT: logFormat,
      DATA_DIR: z.string().default('.data').describe('where the embedded databases live (`<DATA_DIR>/<service>`)'),
      DB_POOL_SIZE: positiveInt(5).describe('database connections per service'),
      DB_QUERY_TIMEOUT_MS: positiveInt(30_000).describe(
        'a statement unanswered this long fails and its connection is replaced (so connections to a vanished database cannot hold the pool)',
      ),
      // Below the gateway's SUBGRAPH_TIMEOUT_MS (10 s), so a saturated database answers the retryable
      // SERVICE_UNAVAILABLE before the gateway gives up on the subgraph. PGlite runs one transaction at a
      // time: under load they queue up to this long (Prisma's own 2 s turned 30 concurrent orders into errors).
      DB_ACQUIRE_TIMEOUT_MS: positiveInt(8_000).describe(
        "how long a request waits for a pooled connection, and a transaction to begin (on the embedded PGlite transactions run one at a time, so under load they queue); past it `SERVICE_UNAVAILABLE` (503, `Retry-After`) with nothing written. Keep it below the gateway's `SUBGRAPH_TIMEOUT_MS`",
      ),
      DB_TRANSACTION_TIMEOUT_MS: positiveInt(15_000).describe('a transaction still open this long is rolled back (`SERVICE_UNAVAILABLE`)'),
      DB_MIGRATE_ON_START: booleanFlag(true).describe('apply pending migrations at start (replicas take turns on an advisory lock)'),
      SEED_DEMO_DATA: optionalFlag.meta({
        description: "insert demo data into an empty database; `true` with `NODE_ENV=production` is refused at start (the demo accounts' passwords are public)",
        unset: '`true`',
        production: '`false`',
      }),
      SUBGRAPH_SECRET: z.string().min(16, 'must be at least 16 characters').optional().meta({
        description: 'the secret it shares with the gateway (16+ characters)',
        unset: 'a development secret (`npm start`: a random one per start)',
        production: 'required',
      }),
      MAX_BODY_BYTES: positiveInt(1_000_000).describe('larger request bodies get 413 `PAYLOAD_TOO_LARGE`'),
      SHUTDOWN_GRACE_MS: positiveInt(DEFAULT_SHUTDOWN_GRACE_MS).describe('on SIGTERM, how long requests in flight may take before their connections are cut'),
      HEALTH_CHECK_TIMEOUT_MS: positiveInt(DEFAULT_HEALTH_CHECK_TIMEOUT_MS).describe("`/health/ready`: a dependency's check (database, broker) unanswered this long reads as down"),
      MESSAGE_RETENTION_HOURS: positiveInt(168).describe(
        'published outbox rows and inbox records older than this are deleted (a sweep every 10 min); a message replayed from a dead-letter queue after that is handled again',
      ),
      OUTBOX_CLAIM_LEASE_MS: positiveInt(DEFAULT_OUTBOX_LEASE_MS).describe(
        "how long the outbox relay's claim on a row keeps other replicas off it; renewed every third of it while the relay lives, so a crashed relay's rows go out this much later at most",
      ),
    },
    env,
  );
  const databaseUrl = env[databaseVariable] || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError([`${databaseVariable}: must be a postgresql:// URL`]);
  }
  if (parsed.NODE_ENV === 'production' && !parsed.SUBGRAPH_SECRET) {
    throw new ConfigError(['SUBGRAPH_SECRET: required when NODE_ENV=production']);
  }
  const seedDemoData = demoDataAllowed(parsed.NODE_ENV, parsed.SEED_DEMO_DATA);
  return {
    service,
    nodeEnv: parsed.NODE_ENV,
    host: parsed.HOST ?? defaultHost(parsed.NODE_ENV),
    port: parsed.PORT,
    logLevel: parsed.LOG_LEVEL,
    logFormat: defaultLogFormat(parsed.NODE_ENV, parsed.LOG_FORMAT),
    databaseUrl,
    dataDir: resolve(parsed.DATA_DIR),
    databasePoolSize: parsed.DB_POOL_SIZE,
    databaseQueryTimeoutMs: parsed.DB_QUERY_TIMEOUT_MS,
    databaseAcquireTimeoutMs: parsed.DB_ACQUIRE_TIMEOUT_MS,
    databaseTransactionTimeoutMs: parsed.DB_TRANSACTION_TIMEOUT_MS,
    migrateOnStart: parsed.DB_MIGRATE_ON_START,
    seedDemoData,
    gatewaySecret: parsed.SUBGRAPH_SECRET ?? devSubgraphSecret(service),
    maxBodyBytes: parsed.MAX_BODY_BYTES,
    shutdownGraceMs: parsed.SHUTDOWN_GRACE_MS,
    healthCheckTimeoutMs: parsed.HEALTH_CHECK_TIMEOUT_MS,
    messageRetentionMs: parsed.MESSAGE_RETENTION_HOURS * 3_600_000,
    outboxClaimLeaseMs: parsed.OUTBOX_CLAIM_LEASE_MS,
    messaging: loadMessagingConfig(env),
  };
}

/** A service's Prisma client options from its configuration (pool and timeouts), on one database. */
export const prismaOptionsOf = (config: SubgraphConfig, connectionString: string, onQuery: () => void = () => {}): PrismaOpenOptions => ({
  connectionString,
  poolSize: config.databasePoolSize,
  queryTimeoutMs: config.databaseQueryTimeoutMs,
  acquireTimeoutMs: config.databaseAcquireTimeoutMs,
  transactionTimeoutMs: config.databaseTransactionTimeoutMs,
  onQuery,
});
