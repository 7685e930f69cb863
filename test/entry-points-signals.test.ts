// One SIGTERM to a service's own entry point, as Kubernetes or docker stop sends it, under the
// NODE_ENVs that run them (development, production; not test, where Apollo Server registers no
// signal handler of its own): the stop is graceful. The request in flight gets its whole answer,
// the process says it stopped gracefully and exits 0, and nothing re-raises the signal into an exit 130.
// Development runs on the embedded PGlite (a developer's default), production on the real PostgreSQL
// (as deployed), so each entry point's stop is seen closing either database. The entry points are
// separate processes that share nothing: they start and stop side by side (vitest's maxConcurrency).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../common/gateway-credential.ts';
import { databaseUrlVariable, type SubgraphName } from '../common/service/subgraph-config.ts';
import { SUBGRAPH_NAMES } from '../gateway/config.ts';
import { acceptsConnections } from './support/process-tree.ts';
import { requestInFlight } from './support/request-in-flight.ts';
import { startServiceProcess } from './support/service-process.ts';
import { createTestDatabases, type TestDatabases } from './support/test-databases.ts';
import { waitFor } from './support/wait-for.ts';

let dataDir: string;
let productionDatabases: TestDatabases | undefined;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'entry-points-'));
  productionDatabases = await createTestDatabases(SUBGRAPH_NAMES);
});
afterAll(async () => {
  await productionDatabases?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

const SECRET = 'entry-point-test-secret-0123456789';
const entryPoints: { service: string; entryPoint: string; subgraph?: SubgraphName }[] = [
  { service: 'gateway', entryPoint: 'gateway/main.ts' },
  ...SUBGRAPH_NAMES.map((name) => ({ service: name, entryPoint: `subgraphs/${name}/main.ts`, subgraph: name })),
];
const cases = (['development', 'production'] as const).flatMap((nodeEnv) => entryPoints.map((entry) => ({ ...entry, nodeEnv })));

describe.concurrent('one SIGTERM to an entry point', () => {
  it.for(cases)('stops $entryPoint gracefully under NODE_ENV=$nodeEnv', { timeout: 180_000 }, async ({ service, entryPoint, subgraph, nodeEnv }, { expect }) => {
    const database = nodeEnv === 'production' && subgraph ? { [databaseUrlVariable(subgraph)]: productionDatabases!.urls[subgraph] } : {};
    const env: Record<string, string> = {
      NODE_ENV: nodeEnv,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      DATA_DIR: join(dataDir, `${nodeEnv}-${service}`),
      SEED_DEMO_DATA: 'false',
      // A lone gateway has no subgraph to run a manifest operation on: `{ __typename }` is let
      // through (and logged) instead of production's default refusal; the stop is what is tested.
      PERSISTED_DOCUMENTS: 'log',
      // Production refuses to run on the development secrets.
      SUBGRAPH_SECRET: SECRET,
      ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`SUBGRAPH_SECRET_${name.toUpperCase()}`, SECRET])),
      ...database,
    };
    const process = await startServiceProcess(entryPoint, env);
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
