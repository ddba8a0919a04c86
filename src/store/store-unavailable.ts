/**
 * The database cannot be reached or refused to work right now (connection
 * refused or cut, server shutting down, too many connections, SQLite busy,
 * out of space or read-only). Faces answer 503: the request may be retried, and nothing
 * about it was decided.
 */
export class StoreUnavailable extends Error {
  override readonly cause: unknown;
  constructor(cause: unknown) {
    super('database unavailable');
    this.name = 'StoreUnavailable';
    this.cause = cause;
  }
}

// SQLSTATE class 08 (connection exception), admin/crash shutdown, cannot connect now, insufficient
// resources (disk full, out of memory, too many connections), read-only transaction (a standby).
const PG_CODES = /^(08\d{3}|57P0[1-3]|53\d{3}|25006)$/;
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
const SQLITE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY)/;
// node-postgres reports a lost connection with plain Errors and no code.
const PG_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Connection ended)/;

/** True when an error from a database driver means "unreachable", not "your query is wrong". */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof StoreUnavailable) return true;
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  return PG_CODES.test(code) || NET_CODES.has(code) || SQLITE_CODES.test(code)
    || (typeof e.message === 'string' && PG_MESSAGES.test(e.message));
}

/** Rethrows driver errors that mean "unreachable" as StoreUnavailable; anything else unchanged. */
export function translateUnavailable(err: unknown): never {
  throw isUnavailable(err) && !(err instanceof StoreUnavailable) ? new StoreUnavailable(err) : err;
}
