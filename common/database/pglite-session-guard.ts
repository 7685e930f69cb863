// Makes PGLiteSocketServer safe for several concurrent client connections.
//
// What pglite-socket 0.2.x does: PGlite is ONE PostgreSQL backend, i.e. one session. The socket server
// accepts up to `maxConnections` sockets, splits what each one sends into wire-protocol messages and
// runs them one at a time from a single FIFO queue shared by all sockets. All sockets therefore share
// one session (prepared statements, SET, advisory locks, temp tables). It keeps one socket's messages
// together only while `db.isInTransaction()` is true, i.e. inside an explicit BEGIN ... COMMIT block:
// then it runs only the messages of the socket that sent the last one.
//
// What that misses: node-postgres (and so Prisma's adapter-pg) sends each parameterised query as an
// extended-protocol cycle of several messages, Parse/Bind/Describe/Execute/Sync, on the UNNAMED
// statement and portal. Outside BEGIN nothing stops another socket's cycle from running between two
// messages of the first cycle, and then one client's parameters are bound to the other client's
// statement (wrong rows, or errors such as `invalid input syntax for type integer`). It does happen as
// soon as a message is bigger than one socket read (~64 KB: a large insert, a big JSON value).
//
// The guard: the backend counts as owned by the connection that sent the last message from that
// message until PostgreSQL answers ReadyForQuery with status Idle ('I'). That covers an
// extended-protocol cycle up to its Sync, a COPY, and a whole transaction (status 'T' or 'E').
// pglite-socket's queue already serves only the owner while `isInTransaction()` is true, so we report
// "owned" through that method. Ownership goes back to FIFO as soon as the cycle ends.
import type { PGlite } from '@electric-sql/pglite';

const READY_FOR_QUERY = 0x5a; // 'Z'
const TERMINATE = 0x58; // 'X'
const IDLE = 0x49; // 'I'

export function guardProtocolSessions(db: PGlite): void {
  const isInTransactionBlock = db.isInTransaction.bind(db);
  const execProtocolRawStream = db.execProtocolRawStream.bind(db);
  let owned = false;

  db.isInTransaction = () => owned || isInTransactionBlock();

  db.execProtocolRawStream = async (message, options) => {
    const scanner = new ReadyForQueryScanner();
    try {
      await execProtocolRawStream(message, {
        ...options,
        onRawData: (data) => {
          scanner.push(data);
          options.onRawData(data);
        },
      });
    } finally {
      // PGlite flushes the backend's output at the end of every call, so each call's output is whole
      // messages. No ReadyForQuery means the cycle is still open (e.g. after Parse, before Sync).
      if (message[0] === TERMINATE) owned = false;
      else if (scanner.lastStatus === undefined) owned = true;
      else owned = scanner.lastStatus !== IDLE;
    }
  };
}

/** Walks backend messages (type byte + int32 length) across chunks and remembers the last ReadyForQuery status. */
class ReadyForQueryScanner {
  lastStatus: number | undefined;
  #header: number[] = [];
  #remaining = 0;
  #type = 0;

  push(data: Uint8Array): void {
    let offset = 0;
    while (offset < data.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, data.length - offset);
        if (this.#type === READY_FOR_QUERY && this.#remaining === 1) this.lastStatus = data[offset];
        this.#remaining -= take;
        offset += take;
        continue;
      }
      this.#header.push(data[offset] ?? 0);
      offset += 1;
      if (this.#header.length === 5) {
        const [type = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0] = this.#header;
        this.#type = type;
        this.#remaining = ((b1 << 24) | (b2 << 16) | (b3 << 8) | b4) - 4;
        this.#header = [];
      }
    }
  }
}
