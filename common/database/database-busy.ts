// Errors that mean "the database could not take this work now", as opposed to a bug or bad data:
// no pooled connection came free in time, or an interactive transaction could not start (Prisma's
// `maxWait`) or outlived its `timeout` and was rolled back. In each case nothing was written, so the
// caller may retry; clients see SERVICE_UNAVAILABLE (common/plugins/mask-errors.ts).

/** node-postgres' words: pg-pool waiting for a free connection, pg's client waiting to connect. */
const CONNECTION_WAIT_MESSAGES = new Set(['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout']);

/** Prisma's transaction API error: "Unable to start a transaction in the given time.", or "... on an expired transaction ..." (rolled back). */
const TRANSACTION_API_ERROR = 'P2028';
const TRANSACTION_NOT_RUN = /Unable to start a transaction in the given time|expired transaction/;

export function isDatabaseBusy(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    if (CONNECTION_WAIT_MESSAGES.has(current.message)) return true;
    if ((current as { code?: unknown }).code === TRANSACTION_API_ERROR && TRANSACTION_NOT_RUN.test(current.message)) return true;
  }
  return false;
}
