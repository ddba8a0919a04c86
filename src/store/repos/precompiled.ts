import { createHash } from 'node:crypto';
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import { pgHandleOf, sqliteHandleOf, type Db } from '../create-db.js';
import { translateUnavailable } from '../store-unavailable.js';

type Runner<R> = (parameters: unknown[]) => Promise<QueryResult<R>> | undefined;

/**
 * Builds and compiles a hot query once per repository — so once per database and dialect — and
 * runs it later with new parameter values. Kysely otherwise rebuilds and recompiles the same SQL
 * on every call, which costs more than SQLite takes to answer a point lookup or insert a row.
 *
 * `build` is called once, on first use, with one placeholder (a marker string) per argument and must use each
 * only as a bound value (compared or inserted, never inlined into the SQL); anything else throws on
 * that first use.
 *
 * The compiled SQL then runs without Kysely's connection handling:
 * - SQLite: the cached prepared statement runs directly. better-sqlite3 is synchronous, so
 *   Kysely's connection mutex and promise chain (a dozen microtasks, more CPU than the statement
 *   itself under load) only matter while a transaction holds the connection across awaits; then
 *   the query takes Kysely's path and queues behind it like any other.
 * - PostgreSQL: as a named statement, which each pooled connection parses and plans once instead
 *   of on every call.
 * Both translate errors as the guarded dialect does (StoreUnavailable). These queries never run
 * inside a caller's transaction: they are built on `db`, as a Kysely query on `db` would be.
 */
export function precompile<R, A extends unknown[]>(
  db: Db,
  arity: A['length'],
  build: (...placeholders: A) => Compilable<R>,
): (...args: A) => Promise<QueryResult<R>> {
  let compiled: { sql: string; query: CompiledQuery<R>['query']; queryId: CompiledQuery<R>['queryId']; slots: number[] } | undefined;
  // Compiled on first use rather than at start-up: nothing here delays readiness.
  function compile() {
    const placeholders = Array.from({ length: arity }, (_, i) => `\u0000tessera-placeholder-${i}\u0000`);
    // Typed as the arguments so Kysely checks them against the columns; at run time they are the marker strings.
    const q = build(...(placeholders as unknown as A)).compile();
    const slots = q.parameters.map((p) => placeholders.indexOf(p as string));
    if (slots.some((s) => s < 0) || placeholders.some((_, i) => !slots.includes(i)) || q.sql.includes('\u0000')) {
      throw new Error(`precompile: every argument must be a bound parameter, and only those: ${q.sql}`);
    }
    return { sql: q.sql, query: q.query, queryId: q.queryId, slots };
  }
  let direct: Runner<R> | undefined;
  return (...args: A) => {
    const c = (compiled ??= compile());
    direct ??= sqliteRunner<R>(db, c.sql) ?? pgRunner<R>(db, c.sql);
    const parameters = c.slots.map((s) => args[s]);
    const result = direct?.(parameters);
    if (result) return result;
    // Same SQL, same operation node; the query id only keys plugin state, and no plugin is installed.
    const q: CompiledQuery<R> = { sql: c.sql, query: c.query, queryId: c.queryId, parameters };
    return db.executeQuery(q);
  };
}

/** Runs on the SQLite connection itself unless a transaction holds it (then: undefined, Kysely's path). */
function sqliteRunner<R>(db: Db, sql: string): Runner<R> | undefined {
  const sqlite = sqliteHandleOf(db);
  if (!sqlite) return undefined;
  // better-sqlite3 compiles the SQL anew on every prepare(); one statement per query is kept.
  let stmt: ReturnType<typeof sqlite.prepare> | undefined;
  return (parameters) => {
    if (sqlite.inTransaction()) return undefined;
    try {
      stmt ??= sqlite.prepare(sql);
      if (stmt.reader) return Promise.resolve({ rows: stmt.all(parameters) as R[] });
      const { changes, lastInsertRowid } = stmt.run(parameters);
      return Promise.resolve({ rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) });
    } catch (err) {
      return Promise.reject(err).catch(translateUnavailable);
    }
  };
}

/** Runs as a named statement on a pooled PostgreSQL connection; the name is derived from the SQL. */
function pgRunner<R>(db: Db, sql: string): Runner<R> | undefined {
  const pg = pgHandleOf(db);
  if (!pg) return undefined;
  const name = `tessera_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
  return (parameters) => pg.query({ name, text: sql, values: parameters }).then(({ command, rowCount, rows }) => ({
    rows: rows as R[],
    ...(['INSERT', 'UPDATE', 'DELETE'].includes(command) ? { numAffectedRows: BigInt(rowCount ?? 0) } : {}),
  }), translateUnavailable);
}
