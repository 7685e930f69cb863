import { join } from 'node:path';
import { applyMigrations } from '../database/schema-engine.ts';
import { startEmbeddedPostgres } from '../database/embedded-postgres.ts';
import { createLogger } from '../logger.ts';
import { createMetrics, type ServiceMetrics } from '../metrics.ts';
import type { SubgraphConfig } from './subgraph-config.ts';
import type { PrismaHandle, SubgraphModule } from './subgraph-module.ts';

export interface RunningSubgraph<TPrisma extends PrismaHandle> {
  readonly name: string;
  /** Base URL; GraphQL is at `${url}/graphql`. */
  readonly url: string;
  readonly prisma: TPrisma;
  readonly metrics: ServiceMetrics;
  stop(): Promise<void>;
}

/**
 * Starts one subgraph: its database (PGlite when no URL is configured), migrations, demo data,
 * then the HTTP server. The same path serves `npm start`, each service's own entry point and tests.
 */
export async function startSubgraph<TConfig extends SubgraphConfig, TPrisma extends PrismaHandle>(
  module: SubgraphModule<TConfig, TPrisma>,
  config: TConfig,
): Promise<RunningSubgraph<TPrisma>> {
  const log = createLogger(module.name, config.logLevel);
  const metrics = createMetrics(module.name);
  const database = config.databaseUrl
    ? { connectionString: config.databaseUrl, close: async () => {} }
    : await startEmbeddedPostgres({ dataDir: join(config.dataDir, module.name) });
  try {
    if (config.migrateOnStart) await applyMigrations({ service: module.name, connectionString: database.connectionString });
    const prisma = module.openPrisma({
      connectionString: database.connectionString,
      poolSize: config.databasePoolSize,
      onQuery: () => metrics.sqlStatements.inc(),
    });
    if (config.seedDemoData && module.seed) await module.seed(prisma, log);
    const health = [{ name: 'database', check: async () => void (await prisma.$queryRawUnsafe('SELECT 1')) }];
    const server = await module.createServer({ config, prisma, log, metrics, health });
    const url = await server.listen(config.port, config.host);
    log.info({ url: `${url}/graphql`, database: config.databaseUrl ? 'postgresql' : 'embedded' }, 'subgraph listening');
    return {
      name: module.name,
      url,
      prisma,
      metrics,
      async stop() {
        await server.stop();
        await prisma.$disconnect();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
