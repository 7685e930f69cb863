// Embedded test supergraphs start from PGlite data directories already migrated (and seeded, when
// the test seeds), so no test file runs the schema engine: each service's directory is migrated once
// by the same applyMigrations a service runs on start, seeded by the module's own seed, and kept in
// the temp dir under a hash of its migrations, seed sources and the PGlite and schema-engine versions
// (like the PGlite template in common/database/pglite-open.ts); each test supergraph gets a copy. A
// changed migration, seed or engine makes a new entry. A fresh data directory migrated from nothing
// is still what test/embedded-default.test.ts, the first start of test/npm-start.test.ts and one
// development entry point of test/entry-points-signals.test.ts run.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, statfs } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../common/database/embedded-postgres.ts';
import { projectRoot, servicePaths } from '../../common/database/paths.ts';
import { applyMigrations } from '../../common/database/schema-engine.ts';
import { createLogger } from '../../common/logger.ts';
import type { SubgraphConfig } from '../../common/service/subgraph-config.ts';
import type { PrismaHandle, SubgraphModule } from '../../common/service/subgraph-module.ts';
import { loadSizedServiceEnv } from './test-timing.ts';
import { prismaOptionsOf } from '../../common/service/subgraph-config.ts';

type Module = SubgraphModule<SubgraphConfig, PrismaHandle>;

/**
 * Fills `<dataDir>/<service>` for each module with a migrated database, seeded with its demo data
 * when `seeded`: what a first start of the service leaves there.
 */
export async function copyMigratedDataDirs(dataDir: string, modules: readonly Module[], options: { seeded: boolean }): Promise<void> {
  await Promise.all(
    modules.map(async (module) => {
      const template = await migratedTemplate(module, options.seeded);
      await copyDirectory(template, path.join(dataDir, module.name));
    }),
  );
}

/**
 * Where a test supergraph's throw-away data directories go: a RAM-backed /dev/shm when the machine
 * has one with room (eight PGlite directories are ~230 MB, mostly written once and read back: on a
 * busy disk copying them took seconds), else the temp dir.
 */
export async function scratchRoot(): Promise<string> {
  const shm = await statfs('/dev/shm').catch(() => undefined);
  return shm !== undefined && shm.bavail * shm.bsize > SHM_ROOM_BYTES ? '/dev/shm' : tmpdir();
}

const SHM_ROOM_BYTES = 2 * 1024 ** 3;

/** ~1000 files per directory: one copyFile each, at once (fs.cp spends ~4x the CPU checking each entry). */
async function copyDirectory(source: string, target: string): Promise<void> {
  const entries = await readdir(source, { recursive: true, withFileTypes: true });
  const relative = (entry: { parentPath: string; name: string }) => path.relative(source, path.join(entry.parentPath, entry.name));
  await mkdir(target, { recursive: true });
  for (const entry of entries) if (entry.isDirectory()) await mkdir(path.join(target, relative(entry)), { recursive: true });
  await Promise.all(entries.filter((entry) => entry.isFile()).map((entry) => copyFile(path.join(source, relative(entry)), path.join(target, relative(entry)))));
}

/** Builds the directories a later copy needs (vitest's global setup, so that workers do not each build them). */
export async function prepareMigratedDataDirs(modules: readonly Module[], options: { seeded: boolean }): Promise<void> {
  await Promise.all(modules.map((module) => migratedTemplate(module, options.seeded)));
}

const templates = new Map<string, Promise<string>>();

function migratedTemplate(module: Module, seeded: boolean): Promise<string> {
  const id = `${module.name}-${seeded ? 'seeded' : 'empty'}`;
  let template = templates.get(id);
  if (template === undefined) {
    template = buildOnce(module, seeded, id);
    templates.set(id, template);
    template.catch(() => templates.delete(id));
  }
  return template;
}

async function buildOnce(module: Module, seeded: boolean, id: string): Promise<string> {
  const target = path.join(tmpdir(), `pglite-migrated-${id}-${await templateKey(module.name, seeded)}-${process.getuid?.() ?? 'user'}`);
  if (await exists(target)) return target;
  const partial = `${target}.${process.pid}.${Date.now()}.partial`;
  try {
    // A seeded directory is the empty one seeded: the schema engine runs once per service, not twice.
    if (seeded) await copyDirectory(await migratedTemplate(module, false), partial);
    const database = await startEmbeddedPostgres({ dataDir: partial });
    try {
      if (!seeded) await applyMigrations({ service: module.name, connectionString: database.connectionString });
      if (seeded && module.seed) {
        // The pool and timeouts the services get in tests.
        const config = module.loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...loadSizedServiceEnv() });
        const prisma = module.openPrisma(prismaOptionsOf(config, database.connectionString));
        try {
          await module.seed(prisma, createLogger(module.name, 'silent'));
        } finally {
          await prisma.$disconnect();
        }
      }
    } finally {
      await database.close(); // flushes the data directory
    }
    // Atomic; a concurrent worker that got there first made the same directory: keep theirs.
    await rename(partial, target).catch(async (error: unknown) => {
      if (!(await exists(target))) throw error;
    });
    return target;
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

async function templateKey(service: string, seeded: boolean): Promise<string> {
  const { schemaPath, migrationsDir } = servicePaths(service);
  const hash = createHash('sha256').update(`pglite ${packageVersion('@electric-sql/pglite')}\nengine ${packageVersion('@prisma/schema-engine-wasm/schema_engine_bg')}\n`);
  const sources = [schemaPath, ...(await filesUnder(migrationsDir, () => true))];
  // The seed and whatever of the service it may use (the demo data, accounts' password hashing);
  // its generated client follows schema.prisma.
  const serviceSource = (file: string) => file.endsWith('.ts') && !file.split(path.sep).includes('generated');
  if (seeded) sources.push(path.join(projectRoot, 'prisma', 'seed-data.ts'), ...(await filesUnder(path.join(projectRoot, 'subgraphs', service), serviceSource)));
  for (const file of sources) hash.update(`\n${path.relative(projectRoot, file)}\n`).update(await readFile(file));
  return hash.digest('hex').slice(0, 16);
}

async function filesUnder(directory: string, keep: (relativePath: string) => boolean): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => keep(path.relative(directory, file)))
    .sort();
}

function packageVersion(entry: string): string {
  const require = createRequire(import.meta.url);
  // Walk up from the entry point to its package.json (packages need not export it).
  let directory = path.dirname(require.resolve(entry));
  for (;;) {
    try {
      const manifest: unknown = require(path.join(directory, 'package.json'));
      if (typeof manifest === 'object' && manifest !== null && 'version' in manifest && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // no package.json here
    }
    const parent = path.dirname(directory);
    if (parent === directory) return 'unknown';
    directory = parent;
  }
}

async function exists(target: string): Promise<boolean> {
  return (await stat(target).catch(() => undefined)) !== undefined;
}
