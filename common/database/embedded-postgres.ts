// An embedded PostgreSQL for a service run without a database URL: PGlite (PostgreSQL compiled to
// wasm, in this process) persisted in a data directory, served on a local TCP port by
// @electric-sql/pglite-socket, so Prisma's @prisma/adapter-pg and the schema engine use the same
// connection-string path as with a real PostgreSQL.
//
// Concurrency: PGlite is a single backend session; every connection is multiplexed onto it and
// statements run one at a time (see pglite-session-guard.ts for what is guaranteed). A transaction
// holds the whole database until it ends: code inside `prisma.$transaction(async (tx) => ...)` must use
// only `tx`, because a query sent on another connection waits until that transaction ends.
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { openPGlite } from './pglite-open.ts';
import { guardProtocolSessions } from './pglite-session-guard.ts';

export { IN_MEMORY } from './pglite-open.ts';

export interface EmbeddedPostgresOptions {
  /** Directory holding the database files (created if missing), or `memory://` for a throw-away in-memory database. */
  readonly dataDir: string;
  /** Interface to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** TCP port. Default `0`: an ephemeral port chosen by the OS. */
  readonly port?: number;
  /** Sockets accepted at once (every client pool connection is one). Default 64. */
  readonly maxConnections?: number;
}

export interface EmbeddedPostgres {
  /** `postgresql://postgres@<host>:<port>/postgres` */
  readonly connectionString: string;
  /** Stops the server, closes the client sockets and PGlite (flushing it to disk). Safe to call twice. */
  close(): Promise<void>;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const host = options.host ?? '127.0.0.1';
  const db = await openPGlite(options.dataDir);
  guardProtocolSessions(db);
  const server = new PGLiteSocketServer({
    db,
    host,
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 64,
  });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const port = Number(server.getServerConn().slice(server.getServerConn().lastIndexOf(':') + 1));
  const hostInUrl = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    connectionString: `postgresql://postgres@${hostInUrl}:${port}/postgres`,
    close: () =>
      (closing ??= (async () => {
        await server.stop();
        await db.close();
      })()),
  };
}
