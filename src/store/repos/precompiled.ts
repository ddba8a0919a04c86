import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import { sqliteHandleOf, type Db } from '../create-db.js';
import { translateUnavailable } from '../store-unavailable.js';

/**
 * Builds and compiles a hot query once per repository — so once per database and dialect — and
 * runs it later with new parameter values. Kysely otherwise rebuilds and recompiles the same SQL
 * on every call, which costs more than SQLite takes to answer a point lookup.
 *
 * `build` is called once, on first use, with one placeholder string per argument and must use each
 * only as a bound value (compared, never inlined into the SQL); anything else throws on that first use.
 *
 * On SQLite a read runs its cached prepared statement directly: better-sqlite3 is synchronous, so
 * Kysely's connection mutex and promise chain (a dozen microtasks, and more CPU than the lookup
 * itself under load) only matter while a transaction holds the connection across awaits, and then
 * the query takes Kysely's path and queues like any other. Errors are translated as the guarded
 * dialect does (StoreUnavailable).
 */
export function precompile<R, A extends string[]>(
  db: Db,
  arity: A['length'],
  build: (...placeholders: A) => Compilable<R>,
): (...args: A) => Promise<QueryResult<R>> {
  let compiled: { sql: string; query: CompiledQuery<R>['query']; queryId: CompiledQuery<R>['queryId']; slots: number[] } | undefined;
  // Compiled on first use rather than at start-up: nothing here delays readiness.
  function compile() {
    const placeholders = Array.from({ length: arity }, (_, i) => `\u0000tessera-placeholder-${i}\u0000`) as A;
    const q = build(...placeholders).compile();
    const slots = q.parameters.map((p) => placeholders.indexOf(p as string));
    if (slots.some((s) => s < 0) || placeholders.some((_, i) => !slots.includes(i)) || q.sql.includes('\u0000')) {
      throw new Error(`precompile: every argument must be a bound parameter, and only those: ${q.sql}`);
    }
    return { sql: q.sql, query: q.query, queryId: q.queryId, slots };
  }
  const sqlite = sqliteHandleOf(db);
  return (...args: A) => {
    const c = (compiled ??= compile());
    const parameters = c.slots.map((s) => args[s]);
    if (sqlite && !sqlite.inTransaction()) {
      try {
        const stmt = sqlite.prepare(c.sql);
        if (stmt.reader) return Promise.resolve({ rows: stmt.all(parameters) as R[] });
      } catch (err) {
        return Promise.reject(err).catch(translateUnavailable);
      }
    }
    // Same SQL, same operation node; the query id only keys plugin state, and no plugin is installed.
    const q: CompiledQuery<R> = { sql: c.sql, query: c.query, queryId: c.queryId, parameters };
    return db.executeQuery(q);
  };
}
