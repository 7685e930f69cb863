// A subgraph as it runs deployed (`node --import tsx subgraphs/catalog/main.ts`) with tracing on: it
// exports its spans over OTLP to the collector named by OTEL_EXPORTER_OTLP_ENDPOINT, and on SIGTERM
// it finishes, flushes the spans still batched (the batch would otherwise wait 5 s) and exits 0.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrlVariable } from '../../common/service/subgraph-config.ts';
import { subgraphModules } from '../../subgraphs/index.ts';
import { copyMigratedDataDirs } from '../support/migrated-data-dirs.ts';
import { startOtlpCollector, type OtlpCollector } from '../support/otlp-collector.ts';
import { startServiceProcess } from '../support/service-process.ts';
import { createTestDatabases, type TestDatabases } from '../support/test-databases.ts';
import { infrastructureMode } from '../support/test-supergraph.ts';

let databases: TestDatabases | undefined;
let dataDir: string;
let collector: OtlpCollector;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'service-process-'));
  const catalog = subgraphModules.filter((module) => module.name === 'catalog');
  // On PGlite, a migrated copy (as test supergraphs get): the stop and its spans are tested, not a first migration.
  if (infrastructureMode() === 'postgres') databases = await createTestDatabases(['catalog']);
  else await copyMigratedDataDirs(dataDir, catalog, { seeded: false });
  collector = await startOtlpCollector();
});
afterAll(async () => {
  await collector?.close();
  await databases?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a subgraph process', () => {
  it('exports the spans of its last request when SIGTERM stops it, then exits 0', async () => {
    const service = await startServiceProcess('subgraphs/catalog/main.ts', {
      SEED_DEMO_DATA: 'false',
      DATA_DIR: dataDir,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      ...(databases ? { [databaseUrlVariable('catalog')]: databases.urls.catalog } : {}),
    });
    try {
      // Without the gateway's credential: refused (401), and still a request span of its own.
      const traceId = 'c0ffee00c0ffee00c0ffee00c0ffee00';
      const refused = await fetch(service.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
        body: JSON.stringify({ query: '{ categories { name } }' }),
      });
      expect(refused.status).toBe(401);
      expect(collector.received).toEqual([]); // still batched

      const signalled = performance.now();
      service.terminate();
      const exit = await service.exited;
      expect(exit.code, exit.stderr).toBe(0);
      expect(performance.now() - signalled).toBeLessThan(4_000); // sooner than the batch's own 5 s delay
      const spans = collector.received
        .filter((post) => post.path === '/v1/traces')
        .map((post) => post.body)
        .join('\n');
      expect(spans).toContain(`"traceId":"${traceId}"`);
      expect(spans).toContain('"name":"POST /graphql"');
      expect(spans).toContain('"stringValue":"catalog"'); // service.name
    } finally {
      await service.stop();
    }
  });
});
