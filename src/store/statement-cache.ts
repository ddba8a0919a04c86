import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Kysely's SQLite driver prepares every query afresh; preparing costs more
 * than running a point lookup. Tessera's SQL texts are a small fixed set, so
 * prepared statements are kept by their text. Safe because the driver only
 * runs one statement at a time (single connection behind a mutex) and runs
 * each to completion (`all`/`run`); SQLite re-prepares by itself after a
 * schema change. Bounded, oldest first out, in case some query text varies.
 */
export function cachePreparedStatements(db: SqliteDatabase, max = 256): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}
