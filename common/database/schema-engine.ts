// Prisma Migrate without native engines: creates and applies a service's migrations through the
// WebAssembly schema engine and a driver adapter.
//
// - createMigration = `prisma migrate dev --create-only --name <name>` (without touching any database):
//   diffs the migrations folder, replayed on a throw-away in-memory PGlite as shadow database,
//   against the datamodel and writes the SQL as the CLI does.
// - applyMigrations = `prisma migrate deploy`: same engine call, same `_prisma_migrations` bookkeeping
//   (checksums, failed-migration detection, advisory lock), idempotent.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaFilter } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { startEmbeddedPostgres, IN_MEMORY } from './embedded-postgres.ts';
import { ensureDatabaseExists } from './ensure-database.ts';
import { MigrationAdapterFactory } from './migration-adapter.ts';
import { migrationDirectoryName, POSTGRESQL_MIGRATION_LOCK, readMigrationsDirectory, writeMigration } from './migrations-directory.ts';
import { servicePaths, type ServicePaths } from './paths.ts';
import { loadSchemaEngine, takeSchemaEnginePanic, type SchemaEngine } from './schema-engine-wasm.ts';

export interface CreateMigrationOptions {
  /** Folder name under `prisma/`, e.g. `catalog`. */
  readonly service: string;
  /** Migration name; slugified like the CLI (`addSku` -> `add_sku`). */
  readonly name: string;
  /** Overrides `prisma/<service>/schema.prisma` and `prisma/<service>/migrations` (tests, tools). */
  readonly paths?: ServicePaths;
}

export interface CreatedMigration {
  /** Directory name, `<YYYYMMDDHHMMSS>_<name>`. */
  readonly name: string;
  /** Absolute path of the new migration directory. */
  readonly directory: string;
  /** The SQL written to `migration.sql`. */
  readonly script: string;
}

export interface ApplyMigrationsOptions {
  readonly service: string;
  /** Any PostgreSQL connection string (a real server or startEmbeddedPostgres()). */
  readonly connectionString: string;
  /** Overrides `prisma/<service>/schema.prisma` and `prisma/<service>/migrations`. */
  readonly paths?: ServicePaths;
}

export interface AppliedMigrations {
  /** Migrations applied by this call, oldest first; empty when the database was up to date. */
  readonly appliedMigrationNames: string[];
}

const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

/**
 * Writes `prisma/<service>/migrations/<timestamp>_<name>/migration.sql` (and `migration_lock.toml`)
 * with the SQL that takes the migrations folder to the current schema. Returns null and writes
 * nothing when the schema already matches the migrations.
 */
export async function createMigration(options: CreateMigrationOptions): Promise<CreatedMigration | null> {
  const { schemaPath, migrationsDir } = options.paths ?? servicePaths(options.service);
  const schema = await readSchema(schemaPath);
  const migrations = withLockfile(await readMigrationsDirectory(migrationsDir));

  // The engine replays the migrations on a shadow database to know the schema they produce.
  const shadow = await startEmbeddedPostgres({ dataDir: IN_MEMORY });
  try {
    const factory = new MigrationAdapterFactory(shadow.connectionString, shadow.connectionString);
    const result = await withEngine(schema, factory, (engine) =>
      engine.diff({
        from: { tag: 'migrations', ...migrations },
        to: { tag: 'schemaDatamodel', files: [{ path: schema.path, content: schema.content }] },
        script: true,
        exitCode: true, // exit code 2 <=> the diff is not empty
        filters: NO_FILTER,
      }),
    );
    if (result.exitCode !== 2 || result.stdout === null) return null;
    const name = migrationDirectoryName(options.name, new Date(), migrations.migrationDirectories.at(-1)?.path);
    const directory = await writeMigration(migrationsDir, name, result.stdout);
    return { name, directory, script: result.stdout };
  } finally {
    await shadow.close();
  }
}

/** Applies the pending migrations of `prisma/<service>/migrations` like `prisma migrate deploy`. */
export async function applyMigrations(options: ApplyMigrationsOptions): Promise<AppliedMigrations> {
  const { schemaPath, migrationsDir } = options.paths ?? servicePaths(options.service);
  const schema = await readSchema(schemaPath);
  const migrations = await readMigrationsDirectory(migrationsDir);
  await ensureDatabaseExists(options.connectionString);
  // Every start of a service lands here; almost always with nothing to apply. The engine would say so
  // too, after compiling and running ~5 MB of wasm whose memory stays with the process.
  if (await migrationsUpToDate(options.connectionString, migrations)) return { appliedMigrationNames: [] };
  const factory = new MigrationAdapterFactory(options.connectionString);
  const { appliedMigrationNames } = await withEngine(schema, factory, (engine) => engine.applyMigrations({ migrationsList: migrations, filters: NO_FILTER }));
  return { appliedMigrationNames };
}

const UNDEFINED_TABLE = '42P01';

/**
 * True only when `_prisma_migrations` records exactly the folder's migrations, each finished, none
 * rolled back or failed, each with the checksum Prisma records (SHA-256 of the script). Anything
 * else (a new migration, a failed or edited one, a history the folder lacks) goes to the engine, which
 * applies it or reports it as `prisma migrate deploy` does.
 */
export async function migrationsUpToDate(connectionString: string, migrations: MigrationList): Promise<boolean> {
  const expected = new Map<string, string>();
  for (const directory of migrations.migrationDirectories) {
    const content = directory.migrationFile.content;
    if (content.tag !== 'ok') return false;
    expected.set(directory.path, createHash('sha256').update(content.value).digest('hex'));
  }
  const client = new pg.Client({ connectionString });
  try {
    await client.connect();
    const { rows } = await client.query<{ name: string; checksum: string; finished: boolean; rolledBack: boolean }>(
      'SELECT migration_name AS name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS "rolledBack" FROM _prisma_migrations',
    );
    const applied = rows.filter((row) => !row.rolledBack);
    return applied.length === expected.size && applied.every((row) => row.finished && expected.get(row.name) === row.checksum);
  } catch (error) {
    if (error instanceof pg.DatabaseError && error.code === UNDEFINED_TABLE) return false;
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}

interface SchemaFile {
  readonly path: string;
  readonly content: string;
}

async function readSchema(schemaPath: string): Promise<SchemaFile> {
  return { path: schemaPath, content: await readFile(schemaPath, 'utf8') };
}

/** Diffing from migrations needs to know the provider; a first migration has no lock file yet. */
function withLockfile(migrations: MigrationList): MigrationList {
  if (migrations.lockfile.content !== null) return migrations;
  return { ...migrations, lockfile: { ...migrations.lockfile, content: POSTGRESQL_MIGRATION_LOCK } };
}

/** Runs one engine operation with a fresh engine instance and always releases its connections. */
async function withEngine<T>(schema: SchemaFile, factory: MigrationAdapterFactory, operation: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const SchemaEngineClass = await loadSchemaEngine();
  let engine: SchemaEngine | undefined;
  try {
    engine = await SchemaEngineClass.new({ datamodels: [[schema.path, schema.content]] }, ignoreEngineLog, bindMigrationAwareSqlAdapterFactory(factory));
    return await operation(engine);
  } catch (error) {
    throw withPanicMessage(error);
  } finally {
    engine?.free();
    await factory.disposeAll();
  }
}

/** The engine logs JSON lines (INFO and above); errors also reach us as rejected promises. */
function ignoreEngineLog(_line: string): void {}

function withPanicMessage(error: unknown): unknown {
  const panic = takeSchemaEnginePanic();
  if (panic === undefined) return error;
  return new Error(`Prisma schema engine panicked: ${panic}`, { cause: error });
}
