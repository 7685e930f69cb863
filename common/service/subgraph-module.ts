import type { DocumentNode } from 'graphql';
import type { PrismaOpenOptions } from '../database/prisma-client.ts';
import type { HealthCheck } from '../health.ts';
import type { RequestHandler } from '../http/service-server.ts';
import type { Logger } from '../logger.ts';
import type { MessageBus } from '../messaging/message-bus.ts';
import type { Outbox } from '../messaging/outbox-publisher.ts';
import type { ServiceMetrics } from '../metrics.ts';
import type { SubgraphContext } from '../subgraph/context.ts';
import type { ShieldRules } from '../subgraph/permissions.ts';
import type { SubgraphConfig, SubgraphName } from './subgraph-config.ts';

/** The minimum the runner needs from a service's generated Prisma client. */
export interface PrismaHandle {
  $disconnect(): Promise<void>;
  $queryRawUnsafe<T = unknown>(query: string): Promise<T>;
}

/** Publishes catalogue messages through the outbox; the relay goes at once after each commit. */
export type OutboxPublisher = Outbox;

export interface SubgraphDependencies<TConfig extends SubgraphConfig, TPrisma extends PrismaHandle> {
  readonly config: TConfig;
  readonly prisma: TPrisma;
  readonly log: Logger;
  readonly metrics: ServiceMetrics;
  readonly health: readonly HealthCheck[];
  readonly bus: MessageBus;
  /** Writes the service's outbox; relayed when the module declares `outbox: true`. */
  readonly outbox: OutboxPublisher;
}

/** What a module's context, consumers, timers and routes are given: the dependencies and the service's own parts. */
export type SubgraphService<TConfig extends SubgraphConfig, TPrisma extends PrismaHandle, TParts> = SubgraphDependencies<TConfig, TPrisma> & {
  readonly parts: TParts;
};

/** Something a service runs beside its HTTP server: a message consumer, a saga timeout sweeper. */
export interface BackgroundWorker {
  stop(): Promise<void>;
}

/**
 * One subgraph, as data: what it serves (schema, resolvers, permissions, context) and what runs
 * beside it (message consumers, timers, demo data). `startSubgraph` does the rest the same way for
 * every subgraph, in `main.ts`, `npm start` and the tests. Functions are declared as methods so that
 * a module of a service's own config and Prisma client fits the list of all of them.
 */
export interface SubgraphModule<TConfig extends SubgraphConfig, TPrisma extends PrismaHandle, TParts = unknown> {
  readonly name: SubgraphName;
  loadConfig(env?: Record<string, string | undefined>): TConfig;
  openPrisma(options: PrismaOpenOptions): TPrisma;
  /** Inserts demo data into an empty database; a no-op when data is there. */
  seed?(prisma: TPrisma, log: Logger): Promise<void>;
  /** The service's schema has the OutboxMessage table: the runner relays it to the bus. */
  readonly outbox?: boolean;
  /** The service's schema has the InboxMessage table: the runner prunes its old records. */
  readonly inbox?: boolean;
  readonly typeDefs: DocumentNode;
  /** The service's codegen-typed resolver map. */
  readonly resolvers: object;
  /** Its graphql-shield map, deny by default (see `subgraphShield`). */
  readonly permissions: ShieldRules;
  /**
   * Built once per start, after the database and before anything else of the service: what its
   * context, consumers and timers share (counters in its registry, a signing key ring).
   */
  parts?(dependencies: SubgraphDependencies<TConfig, TPrisma>): TParts | Promise<TParts>;
  /** Adds the service's own per-request parts (Prisma client, DataLoaders) to the shared context. */
  context(base: SubgraphContext, service: SubgraphService<TConfig, TPrisma, TParts>): SubgraphContext;
  /** Starts its message consumers, after the database and before HTTP; the runner stops them. */
  consumers?(service: SubgraphService<TConfig, TPrisma, TParts>): Promise<readonly BackgroundWorker[]>;
  /** Starts its periodic work (a timeout sweeper) beside the consumers; the runner stops it. */
  timers?(service: SubgraphService<TConfig, TPrisma, TParts>): readonly BackgroundWorker[];
  /** HTTP routes beside /graphql and the health and metrics endpoints (accounts' JWKS). */
  routes?(service: SubgraphService<TConfig, TPrisma, TParts>): Readonly<Record<string, RequestHandler>>;
}

/**
 * Declares a module with its parts' type inferred from `parts`, so that `context`, `consumers`
 * and `timers` see them typed.
 */
export const defineSubgraph = <TConfig extends SubgraphConfig, TPrisma extends PrismaHandle, TParts = undefined>(
  module: SubgraphModule<TConfig, TPrisma, TParts>,
): SubgraphModule<TConfig, TPrisma, TParts> => module;
