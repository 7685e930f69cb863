// The first `npm start` on embedded defaults: each service whose embedded database does not exist yet
// gets it created, migrated and seeded by a short-lived child process, before the supergraph starts
// on it as on any later start.
//
// Why a child: PGlite is PostgreSQL in wasm, and wasm memory only grows. initdb (for the template),
// the schema engine and the seeds grow the memory of the process that runs them, and a process that
// did them held ~1.2 GB after start where a later start holds ~0.7 GB (measured, see docs/benchmarks.md). The child
// takes that growth away with it; the tsx transpile cache and the PGlite template it leaves in the temp
// dir make the parent's start cheaper, so the CPU spent is about the same.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '../common/database/embedded-postgres.ts';
import { applyMigrations } from '../common/database/schema-engine.ts';
import { createLogger } from '../common/logger.ts';
import { subgraphModules } from '../subgraphs/index.ts';
import { prismaOptionsOf } from '../common/service/subgraph-config.ts';

type Env = Record<string, string | undefined>;

/** The services of this environment on an embedded database that has no data directory yet (or an empty one). */
export async function servicesToPrepare(env: Env): Promise<string[]> {
  const names: string[] = [];
  for (const module of subgraphModules) {
    const config = module.loadConfig(env);
    if (config.databaseUrl !== undefined) continue;
    const entries = await readdir(join(config.dataDir, module.name)).catch(() => []);
    if (entries.length === 0) names.push(module.name);
  }
  return names;
}

/** Creates, migrates and seeds (as its config says) the embedded database of each named service, then closes it. */
export async function prepareEmbeddedDatabases(names: readonly string[], env: Env): Promise<void> {
  await Promise.all(
    subgraphModules
      .filter((module) => names.includes(module.name))
      .map(async (module) => {
        const config = module.loadConfig(env);
        const database = await startEmbeddedPostgres({ dataDir: join(config.dataDir, module.name) });
        try {
          if (config.migrateOnStart) await applyMigrations({ service: module.name, connectionString: database.connectionString });
          if (!config.seedDemoData || !module.seed) return;
          const prisma = module.openPrisma(prismaOptionsOf(config, database.connectionString));
          try {
            await module.seed(prisma, createLogger(module.name, config.logLevel, config.logFormat));
          } finally {
            await prisma.$disconnect();
          }
        } finally {
          await database.close();
        }
      }),
  );
}

/**
 * Returns the services it prepared. Prepares, in a child process, the embedded databases that do not exist yet; nothing (no child) when
 * every one exists or has a URL. Rejects when the child fails, with its exit code (its stderr is ours).
 */
export async function prepareEmbeddedInChild(env: Env): Promise<string[]> {
  const names = await servicesToPrepare(env);
  if (names.length === 0) return names;
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...names], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`preparing the embedded databases of ${names.join(', ')} failed (exit code ${code})`);
  return names;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await prepareEmbeddedDatabases(process.argv.slice(2), process.env);
  // Every database is closed; PGlite's leftovers would otherwise hold the exit back for seconds.
  process.exit(0);
}
