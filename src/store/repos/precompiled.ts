import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Db } from '../create-db.js';

/**
 * Builds and compiles a hot query once per repository — so once per database and dialect — and
 * runs it later with new parameter values. Kysely otherwise rebuilds and recompiles the same SQL
 * on every call, which costs more than SQLite takes to answer a point lookup.
 *
 * `build` is called once, on first use, with one placeholder string per argument and must use each
 * only as a bound value (compared, never inlined into the SQL); anything else throws on that first use.
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
  return (...args: A) => {
    const c = (compiled ??= compile());
    // Same SQL, same operation node; the query id only keys plugin state, and no plugin is installed.
    const q: CompiledQuery<R> = { sql: c.sql, query: c.query, queryId: c.queryId, parameters: c.slots.map((s) => args[s]) };
    return db.executeQuery(q);
  };
}
