// Builds any service's generated PrismaClient on top of @prisma/adapter-pg (node-postgres pool), with
// Prisma's `query` log events forwarded to a callback (used to count SQL statements per request).
import { PrismaPg } from '@prisma/adapter-pg';

export interface PrismaClientFactoryOptions {
  /** A real PostgreSQL, or `startEmbeddedPostgres().connectionString`. */
  readonly connectionString: string;
  /**
   * Called with the SQL text of every statement Prisma logs: each query, plus COMMIT / ROLLBACK of
   * transactions (including the implicit one around nested writes). Prisma does not log the BEGIN.
   */
  readonly onQuery?: (sql: string) => void;
  /** Size of the node-postgres pool. Default: node-postgres' default (10). */
  readonly maxConnections?: number;
  /**
   * A statement with no answer after this long fails, and its connection leaves the pool. Without it a
   * connection whose server vanished (no reset) would wait forever and, one by one, take the pool with it.
   * Default: none.
   */
  readonly queryTimeoutMs?: number;
  /**
   * How long a query waits for a pooled (or new) connection, and an interactive transaction for its
   * connection and BEGIN (Prisma's `maxWait`), before failing with nothing done (SERVICE_UNAVAILABLE to
   * clients). On the embedded PGlite, transactions run one at a time, so under load they queue this long.
   * Default 10 s.
   */
  readonly acquireTimeoutMs?: number;
  /** An interactive transaction still open after this long is rolled back (Prisma's `timeout`). Default 15 s. */
  readonly transactionTimeoutMs?: number;
}

const DEFAULT_ACQUIRE_TIMEOUT_MS = 10_000;
const DEFAULT_TRANSACTION_TIMEOUT_MS = 15_000;

/** The log definition that makes Prisma emit a `query` event per SQL statement. */
export interface QueryLogDefinition {
  readonly emit: 'event';
  readonly level: 'query';
}

/** What we pass to a generated `PrismaClient` constructor. */
export interface AdapterClientOptions {
  readonly adapter: PrismaPg;
  readonly log: QueryLogDefinition[];
  /** Defaults for every `$transaction(async (tx) => ...)` of the client. */
  readonly transactionOptions: { readonly maxWait: number; readonly timeout: number };
}

/** The part of a generated client we rely on: query events (present when `log` asks for them). */
export interface QueryEventSource {
  $on(eventType: 'query', callback: (event: { readonly query: string }) => void): unknown;
}

/**
 * `createPrismaClient(PrismaClient, { connectionString })` where `PrismaClient` is a service's generated
 * class (e.g. from `subgraphs/catalog/generated/prisma/client.ts`); returns that service's client type.
 * `client.$disconnect()` ends the pool.
 */
export function createPrismaClient<Client extends QueryEventSource>(PrismaClientClass: new (options: AdapterClientOptions) => Client, options: PrismaClientFactoryOptions): Client {
  const acquireTimeoutMs = options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS;
  const adapter = new PrismaPg({
    connectionString: options.connectionString,
    connectionTimeoutMillis: acquireTimeoutMs,
    ...(options.maxConnections === undefined ? {} : { max: options.maxConnections }),
    ...(options.queryTimeoutMs === undefined ? {} : { query_timeout: options.queryTimeoutMs }),
  });
  const { onQuery } = options;
  const client = new PrismaClientClass({
    adapter,
    log: onQuery === undefined ? [] : [{ emit: 'event', level: 'query' }],
    transactionOptions: { maxWait: acquireTimeoutMs, timeout: options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS },
  });
  if (onQuery !== undefined) client.$on('query', (event) => onQuery(event.query));
  return client;
}

/** What the runner gives a service module's `openPrisma`. */
export interface PrismaOpenOptions {
  readonly connectionString: string;
  readonly poolSize: number;
  readonly queryTimeoutMs: number;
  readonly acquireTimeoutMs: number;
  readonly transactionTimeoutMs: number;
  readonly onQuery: (sql: string) => void;
}

/** A service module's `openPrisma`: its generated client on the runner's connection, pool, timeouts and query counter. */
export const prismaOpener =
  <Client extends QueryEventSource>(PrismaClientClass: new (options: AdapterClientOptions) => Client) =>
  ({ connectionString, poolSize, queryTimeoutMs, acquireTimeoutMs, transactionTimeoutMs, onQuery }: PrismaOpenOptions): Client =>
    createPrismaClient(PrismaClientClass, { connectionString, onQuery, maxConnections: poolSize, queryTimeoutMs, acquireTimeoutMs, transactionTimeoutMs });
