import type { PrismaOpenOptions } from '../database/prisma-client.ts';
import type { HealthCheck } from '../health.ts';
import type { Logger } from '../logger.ts';
import type { MessageBus } from '../messaging/message-bus.ts';
import type { Outbox } from '../messaging/outbox-publisher.ts';
import type { ServiceMetrics } from '../metrics.ts';
import type { SubgraphServer } from '../subgraph/create-subgraph-server.ts';
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

/** Something a service runs beside its HTTP server: a message consumer, a saga timeout sweeper. */
export interface BackgroundWorker {
  stop(): Promise<void>;
}

/** Everything that makes one subgraph a service; the runner does the rest the same way for all. */
export interface SubgraphModule<TConfig extends SubgraphConfig, TPrisma extends PrismaHandle> {
  readonly name: SubgraphName;
  loadConfig(env?: Record<string, string | undefined>): TConfig;
  openPrisma(options: PrismaOpenOptions): TPrisma;
  /** Inserts demo data into an empty database; a no-op when data is there. */
  seed?(prisma: TPrisma, log: Logger): Promise<void>;
  /** The service's schema has the OutboxMessage table: the runner relays it to the bus. */
  readonly outbox?: boolean;
  /** The service's schema has the InboxMessage table: the runner prunes its old records. */
  readonly inbox?: boolean;
  /** Starts the service's consumers and other background work, after the database and before HTTP. */
  startWorkers?(dependencies: SubgraphDependencies<TConfig, TPrisma>): Promise<readonly BackgroundWorker[]>;
  createServer(dependencies: SubgraphDependencies<TConfig, TPrisma>): Promise<SubgraphServer> | SubgraphServer;
}
