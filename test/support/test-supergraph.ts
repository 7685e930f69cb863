import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../common/logger.ts';
import { createMessageBus } from '../../common/messaging/messaging-config.ts';
import { RABBITMQ_URL, openBrokerScratch } from '../../common/messaging/testing/rabbitmq.ts';
import { databaseUrlVariable, type SubgraphName } from '../../common/service/subgraph-config.ts';
import { startLocalSupergraph, type LocalSupergraph } from '../../scripts/local-supergraph.ts';
import { subgraphModules } from '../../subgraphs/index.ts';
import { copyMigratedDataDirs, scratchRoot } from './migrated-data-dirs.ts';
import { createTestDatabases } from './test-databases.ts';
import { TEST_REDIS_URL, deleteRedisKeys } from './test-redis.ts';
import { loadSizedServiceEnv } from './test-timing.ts';

export type InfrastructureMode = 'postgres' | 'embedded';

/**
 * What the suite runs on, set per vitest project (see vitest.config.ts): `postgres` is the real
 * PostgreSQL and RabbitMQ of the machine; `embedded` is PGlite and the in-process bus.
 */
export const infrastructureMode = (): InfrastructureMode => (process.env['TEST_DATABASE'] === 'embedded' ? 'embedded' : 'postgres');

export interface TestSupergraph extends LocalSupergraph {
  readonly mode: InfrastructureMode;
  readonly dataDir: string;
  /** The environment its services started with (databases, AMQP_URL / AMQP_EXCHANGE / AMQP_QUEUE_PREFIX in `postgres` mode). */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * A whole supergraph of its own for one test file: fresh databases (uniquely named on the real
 * PostgreSQL, or PGlite in a temporary folder), its own exchange and queues on RabbitMQ (or the
 * in-process bus), ephemeral ports, demo data seeded. `stop()` removes all of it.
 */
export async function startTestSupergraph(options: { mode?: InfrastructureMode; env?: Record<string, string> } = {}): Promise<TestSupergraph> {
  const mode = options.mode ?? infrastructureMode();
  const dataDir = await mkdtemp(join(mode === 'embedded' ? await scratchRoot() : tmpdir(), 'supergraph-test-'));
  const cleanUps: (() => Promise<void>)[] = [() => rm(dataDir, { recursive: true, force: true })];
  const cleanUp = async () => {
    for (const step of cleanUps.splice(0).reverse()) await step();
  };
  try {
    let infrastructureEnv: Record<string, string> = {};
    const log = createLogger('test-bus', 'error');
    const redisPrefix = `test-supergraph-${randomUUID()}`;
    let bus;
    if (mode === 'postgres') {
      const databases = await createTestDatabases(subgraphModules.map((module) => module.name));
      cleanUps.push(() => databases.drop());
      const scratch = await openBrokerScratch('supergraph');
      cleanUps.push(() => scratch.cleanUp());
      const messaging = { amqpUrl: RABBITMQ_URL, exchange: scratch.exchange, queuePrefix: scratch.queuePrefix };
      const amqpBus = await createMessageBus(messaging, log);
      cleanUps.push(() => amqpBus.close());
      bus = scratch.tracked(amqpBus);
      infrastructureEnv = {
        ...Object.fromEntries(Object.entries(databases.urls).map(([service, url]) => [databaseUrlVariable(service as SubgraphName), url])),
        AMQP_URL: RABBITMQ_URL,
        AMQP_EXCHANGE: scratch.exchange,
        AMQP_QUEUE_PREFIX: scratch.queuePrefix,
        REDIS_URL: TEST_REDIS_URL,
        RATE_LIMIT_KEY_PREFIX: redisPrefix,
        // The entity cache is on with REDIS_URL: each test supergraph's entries are its own.
        ENTITY_CACHE_KEY_PREFIX: `${redisPrefix}:entity-cache`,
        PLAN_CACHE_KEY_PREFIX: `${redisPrefix}:plans`,
      };
      cleanUps.push(() => deleteRedisKeys(redisPrefix));
    } else {
      // Seeded ahead only with the demo data a start would seed (anything else seeds as asked).
      const seeded = options.env?.['SEED_DEMO_DATA'] === undefined && options.env?.['NODE_ENV'] === undefined;
      await copyMigratedDataDirs(dataDir, subgraphModules, { seeded });
      // Migrated already, by the same applyMigrations a start runs (see migrated-data-dirs.ts).
      infrastructureEnv = { DB_MIGRATE_ON_START: 'false' };
    }
    const env: Record<string, string> = {
      NODE_ENV: 'test',
      // TEST_LOG_LEVEL=error (or info) shows the services' own logs when a test fails for a reason they know.
      LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
      DATA_DIR: dataDir,
      // Tests poll hard; a file that tests rate limits sets its own budgets.
      RATE_LIMIT_USER_POINTS: '1000000',
      RATE_LIMIT_ANONYMOUS_POINTS: '1000000',
      // Saga, gateway and database deadlines sized for a loaded CI machine.
      ...loadSizedServiceEnv(),
      // Off unless a test turns it on (the entity cache's own tests): the others watch subgraph
      // fetches, failures and headers that a cache hit would hide.
      ENTITY_CACHE_ENABLED: 'false',
      ...infrastructureEnv,
      ...options.env,
    };
    const supergraph = await startLocalSupergraph({ ephemeralPorts: true, ...(bus ? { bus } : {}), env });
    return {
      ...supergraph,
      mode,
      dataDir,
      env,
      async stop() {
        await supergraph.stop();
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
