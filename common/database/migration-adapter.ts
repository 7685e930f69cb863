// The driver-adapter factory handed to the wasm schema engine: @prisma/adapter-pg plus what the
// native engine does and adapter-pg alone does not.
//
// 1. One connection per database (pool max 1) and one statement at a time, like the native engine.
//    The engine takes `pg_advisory_lock(72707369)` with a plain query and never unlocks it: on a pool
//    that lock would sit on whichever pooled connection ran it. With a single connection it is held for
//    the whole operation and released when `disposeAll()` closes the connection.
// 2. A migration script runs as ONE simple-protocol query, like the native engine's `simple_query`.
//    adapter-pg's own `executeScript` splits the script on every ";" (breaking literals and
//    function bodies that contain one) and runs the pieces one by one, so a failing migration would be
//    left half-applied. As a single query, PostgreSQL runs the script in one implicit transaction.
// 3. Columns of PostgreSQL's internal one-byte type "char" (pg_class.relkind, pg_constraint.contype...)
//    come back as the engine's Character type. adapter-pg rejects that type ("Column type 'char'
//    could not be deserialized"), which breaks every schema description: any diff that involves a
//    database, such as the shadow database that replays the migrations folder.
import { PrismaPg } from '@prisma/adapter-pg';
import { ColumnTypeEnum, DriverAdapterError, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory, type SqlResultSet } from '@prisma/driver-adapter-utils';
import pg from 'pg';

const INTERNAL_CHAR_OID = 18; // "char"
const TEXT_OID = 25;

export class MigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = '@prisma/adapter-pg';
  readonly #connectionString: string;
  readonly #shadowConnectionString: string | undefined;
  readonly #opened: SqlDriverAdapter[] = [];

  /**
   * @param connectionString the database to migrate.
   * @param shadowConnectionString an empty, throw-away database the engine may fill when it needs a
   *   shadow database (diffing from a migrations folder). Without it such operations fail.
   */
  constructor(connectionString: string, shadowConnectionString?: string) {
    this.#connectionString = connectionString;
    this.#shadowConnectionString = shadowConnectionString;
  }

  connect(): Promise<SqlDriverAdapter> {
    return this.#open(this.#connectionString);
  }

  connectToShadowDb(): Promise<SqlDriverAdapter> {
    if (this.#shadowConnectionString === undefined) {
      return Promise.reject(new Error('This operation needs a shadow database and none was configured'));
    }
    return this.#open(this.#shadowConnectionString);
  }

  /** Closes every connection this factory handed out (the engine does not do it). */
  async disposeAll(): Promise<void> {
    const opened = this.#opened.splice(0);
    await Promise.all(opened.map((adapter) => adapter.dispose()));
  }

  async #open(connectionString: string): Promise<SqlDriverAdapter> {
    const pool = new pg.Pool({ connectionString, max: 1 });
    const charColumns = new InternalCharColumns();
    pool.on('connect', (client) => charColumns.watch(client));
    const inner = await new PrismaPg(pool, { disposeExternalPool: true }).connect();
    const serial = new SerialQueue();
    let disposed: Promise<void> | undefined;
    const adapter: SqlDriverAdapter = {
      provider: inner.provider,
      adapterName: inner.adapterName,
      queryRaw: (query) =>
        serial.run(async () => {
          charColumns.reset();
          return charColumns.retype(await inner.queryRaw(query));
        }),
      executeRaw: (query) => serial.run(() => inner.executeRaw(query)),
      executeScript: (script) => serial.run(() => executeWholeScript(pool, script)),
      startTransaction: (isolationLevel) => inner.startTransaction(isolationLevel),
      getConnectionInfo: () => inner.getConnectionInfo(),
      dispose: () => (disposed ??= inner.dispose()),
    };
    this.#opened.push(adapter);
    return adapter;
  }
}

/**
 * Relabels "char" result columns as text before node-postgres and adapter-pg see them (so adapter-pg
 * accepts them and node-postgres keeps the value as a string), remembering their positions so the
 * result can say Character. Only sound because the connection runs one statement at a time.
 */
class InternalCharColumns {
  #positions: number[] = [];

  watch(client: pg.PoolClient): void {
    client.connection.prependListener('rowDescription', (message: { fields: pg.FieldDef[] }) => {
      this.#positions = [];
      message.fields.forEach((field, position) => {
        if (field.dataTypeID !== INTERNAL_CHAR_OID) return;
        field.dataTypeID = TEXT_OID;
        this.#positions.push(position);
      });
    });
  }

  reset(): void {
    this.#positions = [];
  }

  retype(result: SqlResultSet): SqlResultSet {
    if (this.#positions.length === 0) return result;
    const positions = this.#positions;
    return {
      ...result,
      columnTypes: result.columnTypes.map((type, i) => (positions.includes(i) ? ColumnTypeEnum.Character : type)),
    };
  }
}

/** Runs the given operations one after the other. */
class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(operation, operation);
    this.#tail = result.catch(() => {});
    return result;
  }
}

async function executeWholeScript(pool: pg.Pool, script: string): Promise<void> {
  try {
    await pool.query(script);
  } catch (error) {
    if (error instanceof pg.DatabaseError) {
      throw new DriverAdapterError({
        kind: 'postgres',
        code: error.code ?? 'N/A',
        severity: error.severity ?? 'N/A',
        message: error.message,
        detail: error.detail,
        column: error.column,
        hint: error.hint,
      });
    }
    throw error;
  }
}
