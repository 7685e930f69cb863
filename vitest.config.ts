import { configDefaults, defineConfig } from 'vitest/config';
import { testTiming } from './test/support/test-timing.ts';

// Suites that start a supergraph run twice: on real PostgreSQL and on the embedded PGlite default.
const supergraphSuites = ['gateway/**/*.test.ts', 'subgraphs/**/*.test.ts', 'test/e2e/**/*.test.ts'];
// Several processes sharing a broker: only RabbitMQ connects them (the in-process bus cannot).
const brokerOnlySuites = ['test/e2e/amqp/**'];
// Faults in a real PostgreSQL server's connections: the embedded PGlite has no server to cut off.
const postgresOnlySuites = ['test/e2e/postgres/**'];
// The storefront in a real Chromium against a supergraph on embedded defaults: once, not per database.
const browserSuites = ['web/**/*.browser.test.ts'];

export default defineConfig({
  test: {
    // Sized for a loaded CI machine (see test/support/test-timing.ts).
    testTimeout: testTiming.testTimeoutMs,
    hookTimeout: testTiming.hookTimeoutMs,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'standalone', include: ['common/**/*.test.ts', 'scripts/**/*.test.ts', 'test/*.test.ts'] } },
      { extends: true, test: { name: 'browser', include: browserSuites, env: { TEST_DATABASE: 'embedded' }, testTimeout: 180_000 } },
      { extends: true, test: { name: 'postgres', include: supergraphSuites, env: { TEST_DATABASE: 'postgres' } } },
      {
        extends: true,
        test: { name: 'embedded', include: supergraphSuites, exclude: [...configDefaults.exclude, ...brokerOnlySuites, ...postgresOnlySuites], env: { TEST_DATABASE: 'embedded' } },
      },
    ],
  },
});
