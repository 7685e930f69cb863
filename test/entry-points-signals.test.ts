// One SIGTERM to a service's own entry point, as Kubernetes or docker stop sends it, under the
// NODE_ENVs that run them (development, production; not test, where Apollo Server registers no
// signal handler of its own): the stop is graceful. The request in flight gets its whole answer,
// the process says it stopped gracefully and exits 0, and nothing re-raises the signal into an exit 130.
// Development runs on the embedded PGlite (a developer's default), production on the real PostgreSQL
// (as deployed), so each entry point's stop is seen closing either database. The entry points are
// separate processes that share nothing: they start and stop side by side (vitest's maxConcurrency).
// Each runs as its mode is run: development the TypeScript under tsx (as a developer does), production
// the compiled JavaScript under plain node (what the image runs, `npm run build`), built once here.
// Every subgraph migrates on start; in development only one does so from nothing (a first start), the
// others find a copy of a migrated, empty data directory (a later start, as test supergraphs do:
// test/support/migrated-data-dirs.ts), which spares each the schema engine's CPU-second or so.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../common/gateway-credential.ts';
import { databaseUrlVariable, type SubgraphName } from '../common/service/subgraph-config.ts';
import { SUBGRAPH_NAMES } from '../gateway/config.ts';
import { buildAll } from '../scripts/build.ts';
import { subgraphModules } from '../subgraphs/index.ts';
import { copyMigratedDataDirs } from './support/migrated-data-dirs.ts';
import { acceptsConnections } from './support/process-tree.ts';
import { requestInFlight } from './support/request-in-flight.ts';
import { startServiceProcess } from './support/service-process.ts';
import { createTestDatabases, type TestDatabases } from './support/test-databases.ts';
import { waitFor } from './support/wait-for.ts';

// Inside the project, so the bundles' packages resolve from its node_modules; unique per run (as
// test/built-entry-points.test.ts builds its own, beside it).
const compiledRoot = join(import.meta.dirname, '..', '.data', `entry-points-${randomUUID()}`);
let dataDir: string;
let productionDatabases: TestDatabases | undefined;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'entry-points-'));
  [productionDatabases] = await Promise.all([createTestDatabases(SUBGRAPH_NAMES), buildAll(compiledRoot)]);
});
afterAll(async () => {
  await productionDatabases?.drop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(compiledRoot, { recursive: true, force: true });
});

/** The development subgraph that starts on an empty DATA_DIR and migrates it from nothing. */
const MIGRATES_FROM_NOTHING: SubgraphName = 'orders';

const SECRET = 'entry-point-test-secret-0123456789';
const entryPoints: { service: string; entryPoint: string; subgraph?: SubgraphName }[] = [
  { service: 'gateway', entryPoint: 'gateway/main.ts' },
  ...SUBGRAPH_NAMES.map((name) => ({ service: name, entryPoint: `subgraphs/${name}/main.ts`, subgraph: name })),
];
const runs = { development: 'TypeScript under tsx', production: 'compiled JavaScript' } as const;
const cases = (['development', 'production'] as const).flatMap((nodeEnv) => entryPoints.map((entry) => ({ ...entry, nodeEnv, runAs: runs[nodeEnv] })));

describe.concurrent('one SIGTERM to an entry point', () => {
  it.for(cases)('stops $entryPoint gracefully under NODE_ENV=$nodeEnv, run as $runAs', { timeout: 180_000 }, async ({ service, entryPoint, subgraph, nodeEnv }, { expect }) => {
    const production = nodeEnv === 'production';
    const database = production && subgraph ? { [databaseUrlVariable(subgraph)]: productionDatabases!.urls[subgraph] } : {};
    const serviceDataDir = join(dataDir, `${nodeEnv}-${service}`);
    if (!production && subgraph && subgraph !== MIGRATES_FROM_NOTHING)
      await copyMigratedDataDirs(
        serviceDataDir,
        subgraphModules.filter((module) => module.name === subgraph),
        { seeded: false },
      );
    const env: Record<string, string> = {
      NODE_ENV: nodeEnv,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      DATA_DIR: serviceDataDir,
      SEED_DEMO_DATA: 'false',
      // A lone gateway has no subgraph to run a manifest operation on: `{ __typename }` is let
      // through (and logged) instead of production's default refusal; the stop is what is tested.
      PERSISTED_DOCUMENTS: 'log',
      // Production refuses to run on the development secrets.
      SUBGRAPH_SECRET: SECRET,
      ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`SUBGRAPH_SECRET_${name.toUpperCase()}`, SECRET])),
      ...database,
    };
    const process = await startServiceProcess(production ? join(compiledRoot, entryPoint.replace(/\.ts$/, '.js')) : entryPoint, env);
    try {
      // The gateway answers __typename itself; a subgraph wants the gateway's credential.
      const headers: Record<string, string> = subgraph
        ? { [GATEWAY_CREDENTIAL_HEADER]: await signGatewayCredential(subgraph, SECRET, { viewer: null, requestId: 'entry-point-test' }) }
        : {};
      const inFlight = await requestInFlight(process.url, '{ __typename }', headers);

      process.terminate();
      const port = Number(new URL(process.url).port);
      await waitFor(
        () => acceptsConnections(port),
        (accepted) => !accepted,
        { what: `${entryPoint} to stop accepting`, timeoutMs: 30_000 },
      );
      const answer = await inFlight.finish();
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ data: { __typename: 'Query' } });

      const exit = await process.exited;
      expect(exit.code, exit.stderr).toBe(0);
      const lines = exit.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { msg: string; reason?: string });
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'stopped gracefully', reason: 'SIGTERM' }));
    } finally {
      await process.stop();
    }
  });
});
