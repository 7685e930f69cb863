// The database layer's contract, run against the embedded PGlite (in a temp dir) and against a real
// PostgreSQL (uniquely named databases, created and dropped here): migrations, the generated client
// through adapter-pg, transactions, statement counting and concurrency through the pool.
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient as CatalogClient } from '../../subgraphs/catalog/generated/prisma/client.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { servicePaths, projectRoot } from './paths.ts';
import { createPrismaClient } from './prisma-client.ts';
import { migrationDirectoryName, readMigrationsDirectory } from './migrations-directory.ts';
import { applyMigrations, createMigration, migrationsUpToDate } from './schema-engine.ts';

const SERVICES = ['accounts', 'catalog', 'inventory'] as const;
type Service = (typeof SERVICES)[number];

const POSTGRES_ADMIN_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** One database per service, as in production. */
interface Databases {
  readonly urls: Record<Service, string>;
  close(): Promise<void>;
}

interface Backend {
  readonly name: string;
  open(): Promise<Databases>;
}

const timings: string[] = [];
const time = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings.push(`${label}: ${Math.round(performance.now() - started)} ms`);
  }
};
afterAll(() => console.log(`database timings\n  ${timings.join('\n  ')}`));

const embedded: Backend = {
  name: 'embedded PGlite',
  async open() {
    const dir = await mkdtemp(path.join(tmpdir(), 'pglite-contract-'));
    const servers = await Promise.all(
      SERVICES.map((service) => time(`PGlite start, new data dir (${service})`, () => startEmbeddedPostgres({ dataDir: path.join(dir, service) }))),
    );
    return {
      urls: Object.fromEntries(SERVICES.map((service, i) => [service, servers[i]?.connectionString ?? ''])) as Record<Service, string>,
      async close() {
        await Promise.all(servers.map((server) => server.close()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: Backend = {
  name: 'PostgreSQL',
  async open() {
    const prefix = `dbtest_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const names = SERVICES.map((service) => `${prefix}_${service}`);
    const close = () =>
      withAdmin(async (admin) => {
        for (const name of names) await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
      });
    await withAdmin(async (admin) => {
      for (const name of names) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
    }).catch(async (error: unknown) => {
      await close();
      throw error;
    });
    const url = new URL(POSTGRES_ADMIN_URL);
    return {
      urls: Object.fromEntries(
        SERVICES.map((service, i) => {
          url.pathname = `/${names[i]}`;
          return [service, url.toString()];
        }),
      ) as Record<Service, string>,
      close,
    };
  },
};

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

const postgresReachable = await withAdmin(async () => true).catch(() => false);
if (!postgresReachable) console.warn(`PostgreSQL at ${POSTGRES_ADMIN_URL} is unreachable: its contract suite is skipped`);

async function migrationNames(service: Service): Promise<string[]> {
  const entries = await readdir(servicePaths(service).migrationsDir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

describe.each([
  { backend: embedded, skip: false },
  { backend: postgres, skip: !postgresReachable },
])('database contract on $backend.name', ({ backend, skip }) => {
  let databases: Databases;
  let prisma: InstanceType<typeof CatalogClient>;
  const statements: string[] = [];

  beforeAll(async () => {
    // Not reachable is a failure here, never a silent skip.
    if (skip) throw new Error('PostgreSQL at 127.0.0.1:5432 is not reachable; these tests need it.');
    databases = await backend.open();
  }, 120_000);

  afterAll(async () => {
    await prisma?.$disconnect();
    await databases?.close();
  }, 60_000);

  it("applies every service's migrations", { timeout: 60_000 }, async () => {
    for (const service of SERVICES) {
      const result = await time(`applyMigrations, first (${backend.name}, ${service})`, () => applyMigrations({ service, connectionString: databases.urls[service] }));
      expect(result.appliedMigrationNames).toEqual(await migrationNames(service));
    }
  });

  it('applies them again as a no-op and records them like prisma migrate deploy', async () => {
    for (const service of SERVICES) {
      const result = await time(`applyMigrations, up to date (${backend.name}, ${service})`, () => applyMigrations({ service, connectionString: databases.urls[service] }));
      expect(result.appliedMigrationNames).toEqual([]);

      const client = new pg.Client({ connectionString: databases.urls[service] });
      await client.connect();
      try {
        const { rows } = await client.query<{ migration_name: string; checksum: string; finished: boolean; logs: string | null; steps: number; rolled_back: boolean }>(
          'SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, logs, applied_steps_count AS steps, rolled_back_at IS NOT NULL AS rolled_back FROM _prisma_migrations ORDER BY migration_name',
        );
        const expected = await Promise.all(
          (await migrationNames(service)).map(async (name) => {
            const script = await readFile(path.join(servicePaths(service).migrationsDir, name, 'migration.sql'));
            return { migration_name: name, checksum: createHash('sha256').update(script).digest('hex'), finished: true, logs: null, steps: 1, rolled_back: false };
          }),
        );
        expect(rows).toEqual(expected);
      } finally {
        await client.end();
      }
    }
  });

  it('reads and writes through the generated catalog client and counts statements', async () => {
    prisma = createPrismaClient(CatalogClient, {
      connectionString: databases.urls.catalog,
      onQuery: (sql) => statements.push(sql),
      maxConnections: 5,
    });
    const category = await prisma.category.create({ data: { slug: 'tools', name: 'Tools' } });
    await prisma.product.create({
      data: { sku: 'HAMMER-1', name: 'Hammer', description: 'Claw hammer', priceAmount: 1999, categoryId: category.id },
    });

    statements.length = 0;
    const found = await prisma.category.findUnique({ where: { slug: 'tools' }, include: { products: true } });
    expect(found?.products.map((product) => [product.sku, product.priceAmount, product.priceCurrency])).toEqual([['HAMMER-1', 1999, 'USD']]);
    expect(statements).toHaveLength(2); // the category, then its products (no relation joins)
    expect(statements.every((sql) => sql.startsWith('SELECT'))).toBe(true);

    statements.length = 0;
    await prisma.product.findMany({ where: { categoryId: category.id } });
    expect(statements).toHaveLength(1);
  });

  it('commits and rolls back interactive transactions', async () => {
    const category = await prisma.category.findUniqueOrThrow({ where: { slug: 'tools' } });
    statements.length = 0;
    await prisma.$transaction(async (tx) => {
      await tx.product.create({ data: { sku: 'SAW-1', name: 'Saw', description: 'Hand saw', priceAmount: 2500, categoryId: category.id } });
      await tx.product.update({ where: { sku: 'SAW-1' }, data: { priceAmount: 2400 } });
    });
    expect(statements.filter((sql) => sql.startsWith('INSERT') || sql.startsWith('UPDATE'))).toHaveLength(2);
    expect(statements.at(-1)).toBe('COMMIT'); // Prisma logs COMMIT/ROLLBACK but not BEGIN
    expect((await prisma.product.findUniqueOrThrow({ where: { sku: 'SAW-1' } })).priceAmount).toBe(2400);

    const failure = prisma.$transaction(async (tx) => {
      await tx.product.create({ data: { sku: 'DRILL-1', name: 'Drill', description: 'Drill', priceAmount: 9900, categoryId: category.id } });
      throw new Error('abort');
    });
    await expect(failure).rejects.toThrow('abort');
    expect(statements.at(-1)).toBe('ROLLBACK');
    expect(await prisma.product.findUnique({ where: { sku: 'DRILL-1' } })).toBeNull();

    const [products, categories] = await prisma.$transaction([prisma.product.count(), prisma.category.count()]);
    expect([products, categories]).toEqual([2, 1]);
  });

  it('runs concurrent queries and transactions through the pool', { timeout: 60_000 }, async () => {
    const category = await prisma.category.findUniqueOrThrow({ where: { slug: 'tools' } });
    // Large values span several socket reads: the case where PGlite connections could interleave.
    const large = 'x'.repeat(256 * 1024);
    const writes = Array.from({ length: 10 }, (_, i) =>
      prisma.$transaction(async (tx) => {
        const product = await tx.product.create({
          data: { sku: `BULK-${i}`, name: `Bulk ${i}`, description: i % 3 === 0 ? large : `small ${i}`, priceAmount: i, categoryId: category.id },
        });
        await tx.product.update({ where: { id: product.id }, data: { priceAmount: { increment: 100 } } });
        return tx.product.findUniqueOrThrow({ where: { id: product.id }, select: { sku: true, priceAmount: true } });
      }),
    );
    const reads = Array.from({ length: 10 }, (_, i) => prisma.product.findMany({ where: { priceAmount: { gte: i } }, select: { sku: true }, take: 50 }));
    const lookups = Array.from({ length: 10 }, () => prisma.product.findUnique({ where: { sku: 'HAMMER-1' } }));
    const [written, read, looked] = await Promise.all([Promise.all(writes), Promise.all(reads), Promise.all(lookups)]);

    expect(written).toEqual(Array.from({ length: 10 }, (_, i) => ({ sku: `BULK-${i}`, priceAmount: i + 100 })));
    expect(read).toHaveLength(10);
    expect(looked.every((product) => product?.priceAmount === 1999)).toBe(true);
    const stored = await prisma.product.findMany({ where: { sku: { startsWith: 'BULK-' } }, orderBy: { sku: 'asc' } });
    expect(stored.map((product) => product.description.length)).toEqual(
      [...Array.from({ length: 10 }, (_, i) => (i % 3 === 0 ? large.length : `small ${i}`.length)).entries()]
        .sort(([a], [b]) => `BULK-${a}`.localeCompare(`BULK-${b}`))
        .map(([, length]) => length),
    );
  });

  it('keeps concurrent parameterised queries of different connections apart', async () => {
    const pool = new pg.Pool({ connectionString: databases.urls.inventory, max: 8 });
    try {
      const large = 'y'.repeat(300_000);
      const results = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          if (i % 4 === 0) {
            const { rows } = await pool.query<{ n: number; i: number }>('SELECT length($1::text) AS n, $2::int AS i', [large, i]);
            return rows[0]?.n === large.length && rows[0]?.i === i;
          }
          const { rows } = await pool.query<{ i: number; t: string }>('SELECT $1::int AS i, $2::text AS t', [i, `s${i}`]);
          return rows[0]?.i === i && rows[0]?.t === `s${i}`;
        }),
      );
      expect(results.every(Boolean)).toBe(true);
    } finally {
      await pool.end();
    }
  });

  it('knows a database is up to date (a start skips the engine) only while the history matches the folder exactly', async () => {
    const migrations = await readMigrationsDirectory(servicePaths('catalog').migrationsDir);
    const url = databases.urls.catalog;
    expect(await migrationsUpToDate(url, migrations)).toBe(true);
    const [first, ...rest] = migrations.migrationDirectories;
    if (first === undefined || first.migrationFile.content.tag !== 'ok') throw new Error('catalog has no readable migration');
    const edited = { ...first, migrationFile: { ...first.migrationFile, content: { tag: 'ok' as const, value: `${first.migrationFile.content.value}\n-- edited` } } };
    expect(await migrationsUpToDate(url, { ...migrations, migrationDirectories: [edited, ...rest] })).toBe(false);
    const added = { path: '29991231000000_new', migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: 'SELECT 1;' } } };
    expect(await migrationsUpToDate(url, { ...migrations, migrationDirectories: [...migrations.migrationDirectories, added] })).toBe(false);
    expect(await migrationsUpToDate(url, { ...migrations, migrationDirectories: rest })).toBe(false);
  });

  it('records a failing migration without applying half of it, then refuses to go on', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'broken-migration-'));
    try {
      const paths = { schemaPath: servicePaths('inventory').schemaPath, migrationsDir: path.join(dir, 'migrations') };
      await cp(servicePaths('inventory').migrationsDir, paths.migrationsDir, { recursive: true });
      const broken = '29991231000000_broken';
      await mkdir(path.join(paths.migrationsDir, broken));
      await writeFile(
        path.join(paths.migrationsDir, broken, 'migration.sql'),
        '-- a ";" inside a literal must not split the script\nCREATE TABLE "Half" ("note" TEXT DEFAULT \'a;b\');\nSELECT 1/0;\n',
      );
      const apply = () => applyMigrations({ service: 'inventory', connectionString: databases.urls.inventory, paths });
      await expect(apply()).rejects.toThrow(/division by zero/);
      await expect(apply()).rejects.toThrow(/failed migrations in the target database/);

      const client = new pg.Client({ connectionString: databases.urls.inventory });
      await client.connect();
      try {
        const half = await client.query<{ table: string | null }>(`SELECT to_regclass('"Half"')::text AS table`);
        expect(half.rows).toEqual([{ table: null }]);
        const failed = await client.query<{ finished: boolean; logs: string }>(
          'SELECT finished_at IS NOT NULL AS finished, logs FROM _prisma_migrations WHERE migration_name = $1',
          [broken],
        );
        expect(failed.rows).toEqual([{ finished: false, logs: expect.stringContaining('division by zero') }]);
      } finally {
        await client.end();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('migrationDirectoryName', () => {
  const at = new Date('2026-11-29T02:39:17.500Z');
  it('is the UTC second and the slug, like the schema engine names it', () => {
    expect(migrationDirectoryName('Add category note', at)).toBe('20261129023917_add_category_note');
    expect(migrationDirectoryName('Add category note', at, '20261128120000_init')).toBe('20261129023917_add_category_note');
  });

  it('sorts after the latest migration made in the same second, or after the clock stepped back', () => {
    expect(migrationDirectoryName('b', at, '20261129023917_init')).toBe('20261129023918_b');
    expect(migrationDirectoryName('b', at, '20261129023959_later')).toBe('20261129024000_b');
    expect(migrationDirectoryName('b', at, '20261231235959_future')).toBe('20270101000000_b');
  });
});

describe('createMigration', () => {
  it('reports no change when the schema matches the migrations', { timeout: 90_000 }, async () => {
    for (const service of SERVICES) {
      const before = await readdir(servicePaths(service).migrationsDir);
      const created = await time(`createMigration, no change (${service})`, () => createMigration({ service, name: 'noop' }));
      expect(created).toBeNull();
      expect(await readdir(servicePaths(service).migrationsDir)).toEqual(before);
    }
  });

  it('writes the first migration exactly as committed, then one for a schema change', { timeout: 90_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'create-migration-'));
    try {
      const paths = { schemaPath: path.join(dir, 'schema.prisma'), migrationsDir: path.join(dir, 'migrations') };
      // The schema as it was at the first committed migration: before the outbox model and the category tree came.
      const current = await readFile(servicePaths('catalog').schemaPath, 'utf8');
      const beforeOutbox = current.replace(/\n(\/\/[^\n]*\n)*model OutboxMessage \{[^}]*\}\n/, '\n');
      const beforeCategoryTree = beforeOutbox.replace(/^\s*(parentId|parent|children)\s.*\n|^\s*@@index\(\[parentId\]\)\n/gm, '');
      await writeFile(paths.schemaPath, beforeCategoryTree);

      const first = await createMigration({ service: 'catalog', name: 'Init', paths });
      expect(first?.name).toMatch(/^\d{14}_init$/);
      const [committed] = await migrationNames('catalog');
      const committedScript = await readFile(path.join(servicePaths('catalog').migrationsDir, committed ?? '', 'migration.sql'), 'utf8');
      expect(first?.script).toBe(committedScript);
      expect(await readFile(path.join(paths.migrationsDir, 'migration_lock.toml'), 'utf8')).toBe(
        await readFile(path.join(servicePaths('catalog').migrationsDir, 'migration_lock.toml'), 'utf8'),
      );

      const schema = await readFile(paths.schemaPath, 'utf8');
      await writeFile(paths.schemaPath, schema.replace(/(\n\s*slug\s+String\s+@unique)/, '$1\n  note     String?'));
      const second = await createMigration({ service: 'catalog', name: 'add category note', paths });
      expect(second?.name).toMatch(/^\d{14}_add_category_note$/);
      expect(second?.script).toContain('ALTER TABLE "Category" ADD COLUMN');
      expect(await readFile(path.join(second?.directory ?? '', 'migration.sql'), 'utf8')).toBe(second?.script);
      expect(await createMigration({ service: 'catalog', name: 'again', paths })).toBeNull();

      const database = await startEmbeddedPostgres({ dataDir: 'memory://' });
      try {
        const applied = await applyMigrations({ service: 'catalog', connectionString: database.connectionString, paths });
        expect(applied.appliedMigrationNames).toEqual([first?.name, second?.name]);
      } finally {
        await database.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('embedded PostgreSQL', () => {
  it('persists in its data dir and lets the process exit after close()', { timeout: 90_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pglite-exit-'));
    const script = path.join(dir, 'run.mts'); // .mts: ESM (top-level await) outside the project's package.json
    const modules = (file: string) => JSON.stringify(path.join(projectRoot, file));
    await writeFile(
      script,
      [
        `import { startEmbeddedPostgres } from ${modules('common/database/embedded-postgres.ts')};`,
        `import { applyMigrations } from ${modules('common/database/schema-engine.ts')};`,
        `import { createPrismaClient } from ${modules('common/database/prisma-client.ts')};`,
        `import { PrismaClient } from ${modules('subgraphs/inventory/generated/prisma/client.ts')};`,
        `const database = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(path.join(dir, 'data'))} });`,
        `const { appliedMigrationNames } = await applyMigrations({ service: 'inventory', connectionString: database.connectionString });`,
        `const prisma = createPrismaClient(PrismaClient, { connectionString: database.connectionString });`,
        `const productId = '00000000-0000-4000-8000-000000000001';`,
        `await prisma.stockItem.upsert({ where: { productId }, create: { productId, onHand: 1 }, update: { onHand: { increment: 1 } } });`,
        `const { onHand } = await prisma.stockItem.findUniqueOrThrow({ where: { productId } });`,
        `await prisma.$disconnect();`,
        `await database.close();`,
        `console.log(JSON.stringify({ applied: appliedMigrationNames.length, onHand }));`,
      ].join('\n'),
    );
    const run = () => {
      const started = performance.now();
      const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: projectRoot, encoding: 'utf8', timeout: 60_000 });
      timings.push(`child process with embedded PGlite, start to exit: ${Math.round(performance.now() - started)} ms`);
      expect(child.status, child.stderr).toBe(0);
      return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as unknown;
    };
    const migrations = (await migrationNames('inventory')).length;
    try {
      expect(run()).toEqual({ applied: migrations, onHand: 1 });
      expect(run()).toEqual({ applied: 0, onHand: 2 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
