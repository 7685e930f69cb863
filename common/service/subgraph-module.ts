import type { HealthCheck } from '../health.ts';
import type { Logger } from '../logger.ts';
import type { ServiceMetrics } from '../metrics.ts';
import type { SubgraphServer } from '../subgraph/create-subgraph-server.ts';
import type { SubgraphConfig, SubgraphName } from './subgraph-config.ts';

/** The minimum the runner needs from a service's generated Prisma client. */
export interface PrismaHandle {
  $disconnect(): Promise<void>;
  $queryRawUnsafe<T = unknown>(query: string): Promise<T>;
}

export interface SubgraphDependencies<TConfig extends SubgraphConfig, TPrisma extends PrismaHandle> {
  readonly config: TConfig;
  readonly prisma: TPrisma;
  readonly log: Logger;
  readonly metrics: ServiceMetrics;
  readonly health: readonly HealthCheck[];
}

/** Everything that makes one subgraph a service; the runner does the rest the same way for all. */
export interface SubgraphModule<TConfig extends SubgraphConfig, TPrisma extends PrismaHandle> {
  readonly name: SubgraphName;
  loadConfig(env?: Record<string, string | undefined>): TConfig;
  openPrisma(options: { connectionString: string; poolSize: number; onQuery: (sql: string) => void }): TPrisma;
  /** Inserts demo data into an empty database; a no-op when data is there. */
  seed?(prisma: TPrisma, log: Logger): Promise<void>;
  createServer(dependencies: SubgraphDependencies<TConfig, TPrisma>): Promise<SubgraphServer> | SubgraphServer;
}
