import { join } from 'node:path';
import { currentQuerySource, runAsBackground } from '../database/query-source.ts';
import { applyMigrations } from '../database/schema-engine.ts';
import { startEmbeddedPostgres } from '../database/embedded-postgres.ts';
import { createLogger } from '../logger.ts';
import type { MessageBus } from '../messaging/message-bus.ts';
import { createMessageBus } from '../messaging/messaging-config.ts';
import { startMessageRetention } from '../messaging/message-retention.ts';
import { startOutboxRelay } from '../messaging/outbox.ts';
import { createOutbox } from '../messaging/outbox-publisher.ts';
import { Counter, Gauge } from 'prom-client';
import { createMetrics, type ServiceMetrics } from '../metrics.ts';
import type { SubgraphConfig } from './subgraph-config.ts';
import { createSubgraphServer, type SubgraphServer } from '../subgraph/create-subgraph-server.ts';
import type { BackgroundWorker, OutboxPublisher, PrismaHandle, SubgraphDependencies, SubgraphModule, SubgraphService } from './subgraph-module.ts';
import { prismaOptionsOf } from './subgraph-config.ts';

export interface RunningSubgraph<TPrisma extends PrismaHandle> {
  readonly name: string;
  /** Base URL; GraphQL is at `${url}/graphql`. */
  readonly url: string;
  readonly prisma: TPrisma;
  readonly metrics: ServiceMetrics;
  stop(): Promise<void>;
}

export interface StartSubgraphOptions {
  /** A bus shared with other services in this process (the in-process default needs one for all). */
  readonly bus?: MessageBus;
}

/** How long a stopping service keeps publishing its committed outbox rows. */
const OUTBOX_FLUSH_ON_STOP_MS = 5_000;

/** The module's parts, built once, beside the dependencies: what its context, consumers and timers share. */
async function serviceOf<TConfig extends SubgraphConfig, TPrisma extends PrismaHandle, TParts>(
  module: SubgraphModule<TConfig, TPrisma, TParts>,
  dependencies: SubgraphDependencies<TConfig, TPrisma>,
): Promise<SubgraphService<TConfig, TPrisma, TParts>> {
  // A module without parts declares none of its own: its functions never read them.
  const parts = module.parts ? await module.parts(dependencies) : (undefined as TParts);
  return { ...dependencies, parts };
}

function serverOf<TConfig extends SubgraphConfig, TPrisma extends PrismaHandle, TParts>(
  module: SubgraphModule<TConfig, TPrisma, TParts>,
  service: SubgraphService<TConfig, TPrisma, TParts>,
): SubgraphServer {
  const routes = module.routes?.(service);
  return createSubgraphServer({
    name: module.name,
    typeDefs: module.typeDefs,
    resolvers: module.resolvers,
    permissions: module.permissions,
    dependencies: service,
    extendContext: (base) => module.context(base, service),
    ...(routes ? { routes } : {}),
  });
}

/**
 * A module's HTTP server alone, without its consumers and timers: for a test of one subgraph's
 * GraphQL side that feeds its messages by hand. Nothing listens until `listen`.
 */
export async function createModuleServer<TConfig extends SubgraphConfig, TPrisma extends PrismaHandle, TParts>(
  module: SubgraphModule<TConfig, TPrisma, TParts>,
  dependencies: SubgraphDependencies<TConfig, TPrisma>,
): Promise<SubgraphServer> {
  return serverOf(module, await serviceOf(module, dependencies));
}

/**
 * Starts one subgraph module: its database (PGlite when no URL is configured), migrations, demo
 * data, outbox relay, its parts, consumers and timers, then the HTTP server built from its schema,
 * resolvers, permissions and context; stops them in reverse. The same path serves `npm start`,
 * each service's own entry point and the tests.
 */
export async function startSubgraph<TConfig extends SubgraphConfig, TPrisma extends PrismaHandle, TParts>(
  module: SubgraphModule<TConfig, TPrisma, TParts>,
  config: TConfig,
  options: StartSubgraphOptions = {},
): Promise<RunningSubgraph<TPrisma>> {
  const log = createLogger(module.name, config.logLevel, config.logFormat);
  const metrics = createMetrics(module.name);
  const stack: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stack.splice(0).reverse()) await stop();
  };
  try {
    const database = config.databaseUrl
      ? { connectionString: config.databaseUrl, close: async () => {} }
      : await startEmbeddedPostgres({ dataDir: join(config.dataDir, module.name) });
    stack.push(() => database.close());
    if (config.migrateOnStart) await applyMigrations({ service: module.name, connectionString: database.connectionString });
    const prisma = module.openPrisma(prismaOptionsOf(config, database.connectionString, () => metrics.sqlStatements.inc({ source: currentQuerySource() })));
    stack.push(() => prisma.$disconnect());
    if (config.seedDemoData && module.seed) await module.seed(prisma, log);

    const bus = options.bus ?? (await createMessageBus(config.messaging, log));
    if (!options.bus) stack.push(() => bus.close());
    let outbox: OutboxPublisher = createOutbox(() => {});
    if (module.outbox) {
      const relay = startOutboxRelay({ prisma, bus, log, leaseMs: config.outboxClaimLeaseMs });
      stack.push(async () => {
        // Runs after the server and consumers stopped: what their last transactions committed goes out now,
        // not at the next start. Bounded, since a broker that is down would make it wait forever.
        await Promise.race([relay.flush(), new Promise((resolve) => setTimeout(resolve, OUTBOX_FLUSH_ON_STOP_MS).unref())]);
        await relay.stop();
      });
      outbox = createOutbox(() => runAsBackground(() => relay.kick()));
      new Gauge({
        name: 'outbox_lag_seconds',
        help: 'Age of the oldest outbox row not yet published (0 when all are out).',
        registers: [metrics.registry],
        async collect() {
          this.set((await runAsBackground(() => relay.lagMs())) / 1000);
        },
      });
    }
    if (module.outbox || module.inbox) {
      const pruned = new Counter({
        name: 'messages_pruned_total',
        help: 'Published outbox rows and processed inbox records deleted after MESSAGE_RETENTION_HOURS, by table.',
        labelNames: ['table'] as const,
        registers: [metrics.registry],
      });
      const retention = startMessageRetention({
        prisma,
        log,
        tables: { outbox: module.outbox === true, inbox: module.inbox === true },
        retentionMs: config.messageRetentionMs,
        onPruned: (table, rows) => pruned.inc({ table }, rows),
      });
      stack.push(() => retention.stop());
    }
    const health = [
      { name: 'database', check: async () => void (await prisma.$queryRawUnsafe('SELECT 1')) },
      // Not critical: writes keep landing in the outbox and go out when the broker is back.
      { name: 'broker', check: () => bus.healthCheck(), critical: false },
    ];
    const service = await serviceOf(module, { config, prisma, log, metrics, health, bus, outbox });
    const stopEach = (workers: readonly BackgroundWorker[]) => async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
    };
    const consumers = module.consumers ? await module.consumers(service) : [];
    stack.push(stopEach(consumers));
    const timers = module.timers?.(service) ?? [];
    stack.push(stopEach(timers));
    const server = serverOf(module, service);
    const url = await server.listen(config.port, config.host);
    stack.push(() => server.stop());
    log.info({ url: `${url}/graphql`, database: config.databaseUrl ? 'postgresql' : 'embedded' }, 'subgraph listening');
    return { name: module.name, url, prisma, metrics, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
