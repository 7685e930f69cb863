import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseUrlVariable } from '../../common/service/subgraph-config.ts';
import { startLocalSupergraph, type LocalSupergraph } from '../../scripts/local-supergraph.ts';
import { subgraphModules } from '../../subgraphs/index.ts';
import { createTestDatabases } from './test-databases.ts';

export type DatabaseMode = 'postgres' | 'embedded';

/** Which database the suite runs on: set per vitest project (see vitest.config.ts). */
export const databaseMode = (): DatabaseMode => (process.env['TEST_DATABASE'] === 'embedded' ? 'embedded' : 'postgres');

export interface TestSupergraph extends LocalSupergraph {
  readonly mode: DatabaseMode;
  readonly dataDir: string;
}

/**
 * A whole supergraph of its own for one test file: fresh databases (uniquely named on the real
 * PostgreSQL, or PGlite in a temporary folder), ephemeral ports, demo data seeded.
 */
export async function startTestSupergraph(options: { mode?: DatabaseMode; env?: Record<string, string> } = {}): Promise<TestSupergraph> {
  const mode = options.mode ?? databaseMode();
  const dataDir = await mkdtemp(join(tmpdir(), 'supergraph-test-'));
  const databases = mode === 'postgres' ? await createTestDatabases(subgraphModules.map((module) => module.name)) : undefined;
  const databaseEnv = Object.fromEntries(
    Object.entries(databases?.urls ?? {}).map(([service, url]) => [databaseUrlVariable(service as never), url]),
  );
  const cleanUp = async () => {
    await databases?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const supergraph = await startLocalSupergraph({
      ephemeralPorts: true,
      env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...databaseEnv, ...options.env },
    });
    return {
      ...supergraph,
      mode,
      dataDir,
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
