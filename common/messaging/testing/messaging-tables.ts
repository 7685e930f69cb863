// The SQL Prisma Migrate writes for the OutboxMessage and InboxMessage models exactly as
// prisma/messaging.prisma gives them to the services: tests create their tables from it, so a model
// text that drifts from what the code needs fails the tests.
//
// The schema engine takes ~4 s, so its SQL is kept in the temp dir under a hash of the models and the
// engine's version (like the PGlite template): a changed model or engine makes a new entry.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { messagingModels, readMessagingModels } from '../../database/messaging-models.ts';
import { createMigration } from '../../database/schema-engine.ts';

export async function messagingTablesSql(): Promise<string> {
  const source = messagingModels(await readMessagingModels());
  const models = ['OutboxMessage', 'InboxMessage'].map((name) => {
    const model = source.get(name);
    if (model === undefined) throw new Error(`prisma/messaging.prisma has no model ${name}`);
    return model;
  });
  const schema = ['datasource db {\n  provider = "postgresql"\n}', ...models].join('\n\n');
  const cached = path.join(tmpdir(), `messaging-tables-${createHash('sha256').update(`${engineVersion()}\n${schema}`).digest('hex').slice(0, 16)}.sql`);
  const known = await readFile(cached, 'utf8').catch(() => undefined);
  if (known !== undefined) return known;

  const dir = await mkdtemp(path.join(tmpdir(), 'messaging-tables-'));
  try {
    const schemaPath = path.join(dir, 'schema.prisma');
    const migrationsDir = path.join(dir, 'migrations');
    await mkdir(migrationsDir);
    await writeFile(schemaPath, schema);
    const migration = await createMigration({ service: 'messaging', name: 'tables', paths: { schemaPath, migrationsDir } });
    if (!migration) throw new Error('the models produced no SQL');
    await writeFile(path.join(dir, 'tables.sql'), migration.script);
    await rename(path.join(dir, 'tables.sql'), cached).catch(() => {}); // atomic; only an optimisation
    return migration.script;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function engineVersion(): string {
  const require = createRequire(import.meta.url);
  const manifest: unknown = require(path.join(path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')), 'package.json'));
  return typeof manifest === 'object' && manifest !== null && 'version' in manifest ? String(manifest.version) : 'unknown';
}
