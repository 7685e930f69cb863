// `prisma migrate deploy` creates the target database when it does not exist yet; the wasm schema
// engine cannot (create_database is not implemented there), so we do it with node-postgres.
import pg from 'pg';

const INVALID_CATALOG_NAME = '3D000';
const DUPLICATE_DATABASE = '42P04';

export async function ensureDatabaseExists(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  try {
    await client.connect();
    return;
  } catch (error) {
    if (!(error instanceof pg.DatabaseError && error.code === INVALID_CATALOG_NAME)) throw error;
  } finally {
    await client.end().catch(() => {});
  }

  const url = new URL(connectionString);
  const database = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
  } catch (error) {
    if (!(error instanceof pg.DatabaseError && error.code === DUPLICATE_DATABASE)) throw error;
  } finally {
    await admin.end().catch(() => {});
  }
}
