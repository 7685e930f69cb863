import { IN_MEMORY, startEmbeddedPostgres } from '../../common/database/embedded-postgres.ts';
import { createPrismaClient, type AdapterClientOptions, type QueryEventSource } from '../../common/database/prisma-client.ts';
import { applyMigrations } from '../../common/database/schema-engine.ts';
import type { SubgraphName } from '../../common/service/subgraph-config.ts';
import { createTestDatabases } from './test-databases.ts';

export interface ServiceTestDatabase<Client> {
  readonly prisma: Client;
  readonly mode: 'postgres' | 'embedded';
  /** Disconnects and drops the database. */
  close(): Promise<void>;
}

/**
 * A migrated database of one service, the test's own: on the real PostgreSQL (created and
 * dropped), or an in-memory PGlite when the vitest project sets TEST_DATABASE=embedded.
 */
export async function openServiceTestDatabase<Client extends QueryEventSource & { $disconnect(): Promise<void> }>(
  service: SubgraphName,
  PrismaClientClass: new (options: AdapterClientOptions) => Client,
  options: { onQuery?: (sql: string) => void } = {},
): Promise<ServiceTestDatabase<Client>> {
  const mode = process.env['TEST_DATABASE'] === 'embedded' ? 'embedded' : 'postgres';
  const database =
    mode === 'embedded'
      ? await startEmbeddedPostgres({ dataDir: IN_MEMORY }).then((db) => ({ url: db.connectionString, drop: () => db.close() }))
      : await createTestDatabases([service]).then((db) => ({ url: db.urls[service], drop: () => db.drop() }));
  try {
    await applyMigrations({ service, connectionString: database.url });
  } catch (error) {
    await database.drop();
    throw error;
  }
  const prisma = createPrismaClient(PrismaClientClass, { connectionString: database.url, ...(options.onQuery ? { onQuery: options.onQuery } : {}) });
  return {
    prisma,
    mode,
    async close() {
      await prisma.$disconnect();
      await database.drop();
    },
  };
}
