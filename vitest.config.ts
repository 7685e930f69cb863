import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { testTiming } from './test/support/test-timing.ts';

// The suite in layers by cost (docs/testing.md, "Tests by cost"); `npm test` runs them all, `npm run test:<layer>` one.
// A file's layer is where it is listed below, not its name (files of other work in progress keep their names).

// Unit: in memory only. No socket, no database, no broker, no server or child process; runs once.
const unitSuites = [
  'common/config.test.ts',
  'common/database/messaging-models.test.ts',
  'common/errors.test.ts',
  'common/gateway-credential.test.ts',
  'common/messaging/catalogue.test.ts',
  'common/messaging/messaging-units.test.ts',
  'common/pagination.test.ts',
  'common/subgraph/shared-definitions.test.ts',
  'gateway/entity-cache/cache-hints.test.ts',
  'gateway/executor/unique-representations.test.ts',
  'gateway/architecture.test.ts',
  'gateway/batching/batch-document.test.ts',
  'gateway/http/accept.test.ts',
  'gateway/protection/client-ip.test.ts',
  'gateway/request-id.test.ts',
  'gateway/subscriptions/event-fields.test.ts',
  'gateway/subscriptions/operation.test.ts',
  'gateway/trusted-documents/trusted-documents.test.ts',
  'gateway/workers/workers-config.test.ts',
  'scripts/config-reference.test.ts',
  'scripts/schema/compose.test.ts',
  'scripts/schema/storefront-documents.test.ts',
  'subgraphs/payments/payments-processor.test.ts',
  'test/deployment.test.ts',
  'test/gateway-boundaries.test.ts',
  'test/node-version.test.ts',
  'test/readme.test.ts',
  'test/subgraph-registry.test.ts',
];
// End to end: the whole supergraph (or whole processes started as in production), on both
// infrastructures: real PostgreSQL and RabbitMQ, and the embedded PGlite and in-process bus. Lone
// subgraphs whose test is about what their database does on a stop (test/e2e/stopping-subgraph,
// service-process) stay there, on both.
const e2eInSourceFolders = [
  'gateway/gateway.test.ts',
  'subgraphs/accounts/accounts.test.ts',
  'subgraphs/cart/cart.test.ts',
  'subgraphs/catalog/catalog.test.ts',
  'subgraphs/inventory/inventory.test.ts',
  'subgraphs/orders/orders.test.ts',
];
const e2eSuites = ['test/e2e/**/*.test.ts', ...e2eInSourceFolders];
// Several processes sharing a broker: only RabbitMQ connects them (the in-process bus cannot).
const brokerOnlySuites = ['test/e2e/amqp/**'];
// Faults in one subgraph's connections to a real PostgreSQL server: a component test, on PostgreSQL only.
const postgresOnlySuites = ['test/e2e/postgres/**'];
// `npm start`, the entry points and their builds as a person or a container runs them, each on the
// infrastructure it names (mostly the embedded defaults): once, in the e2e-embedded project.
const embeddedOnlySuites = [
  'test/npm-start.test.ts',
  'test/entry-points-signals.test.ts',
  'test/built-entry-points.test.ts',
  'test/embedded-default.test.ts',
  'test/hostile-input.test.ts',
];
// Component: one unit with its real I/O (one subgraph with its database and the in-process bus, the
// gateway in front of stub subgraphs, the buses against RabbitMQ, a process and its signals, the
// schema scripts run as processes on a copy of the tree), its neighbours stubbed or absent; runs
// once, on the real PostgreSQL (PGlite is the embedded e2e's). Any test file outside test/e2e/ not
// listed above is one, so a new file runs once until it is listed.
const componentSuites = [
  'common/**/*.test.ts',
  'gateway/**/*.test.ts',
  'examples/**/*.test.ts',
  'scripts/**/*.test.ts',
  'subgraphs/**/*.test.ts',
  'test/*.test.ts',
  ...postgresOnlySuites,
];
// The storefront in a real Chromium against a supergraph on embedded defaults: once, not per database.
const browserSuites = ['web/**/*.browser.test.ts'];

// Builds, once per run, the migrated data directories the embedded test supergraphs copy.
const embeddedDataDirs = './test/support/migrated-data-dirs.setup.ts';

// The files that take longest, started first within their project: vitest orders by the durations of a
// previous run, which a fresh clone (CI) does not have, and a long file started last leaves the other core idle.
const longestFirst = [
  'web/storefront.browser.test.ts',
  'test/npm-start.test.ts',
  'test/entry-points-signals.test.ts',
  'test/e2e/postgres/readiness.test.ts',
  'test/going-live.test.ts',
  'test/e2e/amqp/fan-out-two-gateways.test.ts',
  'subgraphs/cart/cart.test.ts',
  'subgraphs/orders/orders.test.ts',
  'test/embedded-default.test.ts',
  'common/database/database.test.ts',
];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // vitest's order keeps each project's files together (a worker is reused only within a project).
    const sorted = await super.sort(files);
    const projectOrder = new Map(sorted.map((spec, index) => [spec.project.name, index] as const).reverse());
    const rank = (spec: TestSpecification) => {
      const index = longestFirst.indexOf(relative(spec.project.config.root, spec.moduleId));
      return index === -1 ? longestFirst.length : index;
    };
    const position = new Map(sorted.map((spec, index) => [spec, index]));
    return sorted.toSorted((a, b) => projectOrder.get(a.project.name)! - projectOrder.get(b.project.name)! || rank(a) - rank(b) || position.get(a)! - position.get(b)!);
  }
}

const notIn = (...lists: string[][]) => [...configDefaults.exclude, ...lists.flat()];

export default defineConfig({
  test: {
    // Sized for a loaded CI machine (see test/support/test-timing.ts).
    testTimeout: testTiming.testTimeoutMs,
    hookTimeout: testTiming.hookTimeoutMs,
    pool: 'forks',
    // A worker runs file after file in one process (each file still starts its own servers and
    // databases, and stops them): loading the gateway, Apollo and eight Prisma clients once per worker
    // instead of once per file took a third off the suite's CPU time.
    isolate: false,
    sequence: { sequencer: LongestFirstSequencer },
    // vitest's default leaves a core idle (cores - 1: one file at a time on 2 cores), while most of
    // an e2e file's time is waiting on sockets, databases and timers: one file per core.
    maxWorkers: Math.max(2, availableParallelism()),
    projects: [
      { extends: true, test: { name: 'unit', include: unitSuites } },
      {
        extends: true,
        test: { name: 'component', include: componentSuites, exclude: notIn(unitSuites, e2eInSourceFolders, embeddedOnlySuites), env: { TEST_DATABASE: 'postgres' } },
      },
      { extends: true, test: { name: 'e2e-postgres', include: e2eSuites, exclude: notIn(postgresOnlySuites), env: { TEST_DATABASE: 'postgres' } } },
      {
        extends: true,
        test: {
          name: 'e2e-embedded',
          include: [...e2eSuites, ...embeddedOnlySuites],
          exclude: notIn(postgresOnlySuites, brokerOnlySuites),
          env: { TEST_DATABASE: 'embedded' },
          globalSetup: [embeddedDataDirs],
        },
      },
      { extends: true, test: { name: 'browser', include: browserSuites, env: { TEST_DATABASE: 'embedded' }, globalSetup: [embeddedDataDirs], testTimeout: 180_000 } },
    ],
  },
});
