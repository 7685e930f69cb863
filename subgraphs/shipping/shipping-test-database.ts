import { IN_MEMORY, startEmbeddedPostgres } from '../../common/database/embedded-postgres.ts';
import { createPrismaClient } from '../../common/database/prisma-client.ts';
import { applyMigrations } from '../../common/database/schema-engine.ts';
import { createTestDatabases } from '../../test/support/test-databases.ts';
import { PrismaClient } from './generated/prisma/client.ts';

export interface ShippingTestDatabase {
  readonly prisma: PrismaClient;
  readonly mode: 'postgres' | 'embedded';
  /** Disconnects and drops the database. */
  close(): Promise<void>;
}

/**
 * A migrated shipping database of the test's own: on the real PostgreSQL (created and dropped), or
 * an in-memory PGlite when the vitest project sets TEST_DATABASE=embedded.
 */
export async function openShippingTestDatabase(options: { onQuery?: (sql: string) => void } = {}): Promise<ShippingTestDatabase> {
  const mode = process.env['TEST_DATABASE'] === 'embedded' ? 'embedded' : 'postgres';
  const database =
    mode === 'embedded'
      ? await startEmbeddedPostgres({ dataDir: IN_MEMORY }).then((db) => ({ url: db.connectionString, drop: () => db.close() }))
      : await createTestDatabases(['shipping']).then((db) => ({ url: db.urls.shipping, drop: () => db.drop() }));
  try {
    await applyMigrations({ service: 'shipping', connectionString: database.url });
  } catch (error) {
    await database.drop();
    throw error;
  }
  const prisma = createPrismaClient(PrismaClient, { connectionString: database.url, ...(options.onQuery ? { onQuery: options.onQuery } : {}) });
  return {
    prisma,
    mode,
    async close() {
      await prisma.$disconnect();
      await database.drop();
    },
  };
}
