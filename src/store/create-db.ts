import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { migrationProvider } from './migrations/index.js';
import { prepareSqliteFile, restrictSqliteSidecars } from './private-files.js';
import type { Database } from './tables.js';
import { dialectOf } from './dialect.js';
import { guardDialect } from './guarded-dialect.js';
import { cachePreparedStatements } from './statement-cache.js';
import { StoreUnavailable } from './store-unavailable.js';

export interface DbOptions {
  url: string;
  /** PostgreSQL schema to work in (tests use one per run); created if missing. */
  schema?: string;
  poolSize?: number;
}

export type Db = Kysely<Database>;

/** The SQLite handle under a Kysely instance, for the hot reads that skip Kysely's async path (precompiled.ts). */
export interface SqliteHandle {
  prepare: SqliteDatabase.Database['prepare'];
  /** True while a transaction is open on the connection: then every query must queue behind it. */
  inTransaction(): boolean;
}

const sqliteHandles = new WeakMap<Db, SqliteHandle>();

export const sqliteHandleOf = (db: Db): SqliteHandle | undefined => sqliteHandles.get(db);

/** The node-postgres pool under a Kysely instance, for named (server-side prepared) statements (precompiled.ts). */
export interface PgHandle {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ command: string; rowCount: number | null; rows: unknown[] }>;
}

const pgHandles = new WeakMap<Db, PgHandle>();

export const pgHandleOf = (db: Db): PgHandle | undefined => pgHandles.get(db);

export async function createDb(opts: DbOptions): Promise<Db> {
  if (opts.url.startsWith('sqlite:')) {
    const path = opts.url.slice('sqlite:'.length);
    const file = path !== ':memory:' && path !== '';
    if (file) prepareSqliteFile(path);
    const raw = new SqliteDatabase(path);
    // WAL: readers never block the writer, and an acknowledged commit survives a crash.
    raw.pragma('journal_mode = WAL');
    if (file) restrictSqliteSidecars(path);
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 5000');
    const statements = cachePreparedStatements(raw);
    const db = new Kysely<Database>({ dialect: guardDialect(new SqliteDialect({ database: statements })) });
    sqliteHandles.set(db, { prepare: statements.prepare as SqliteHandle['prepare'], inTransaction: () => raw.inTransaction });
    return db;
  }
  if (opts.schema && !/^[a-z_][a-z0-9_]*$/.test(opts.schema)) throw new Error('invalid schema name');
  // Loaded only for PostgreSQL: the embedded default starts ~50 ms sooner without it.
  const { default: pg } = await import('pg');
  // int8 (bigint) columns hold epoch milliseconds: safe as JS numbers.
  pg.types.setTypeParser(20, (v) => Number(v));
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    // An unreachable server fails requests fast (503) instead of queueing them forever.
    connectionTimeoutMillis: 5_000,
  });
  // A client whose server went away emits 'error' (on the pool while idle, on itself while checked
  // out); unhandled, it would kill the process. Its query fails (503), the pool drops it, and the
  // next query reconnects.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: guardDialect(new PostgresDialect({ pool })) });
  pgHandles.set(db, { query: (config) => pool.query(config) });
  if (opts.schema) {
    // IF NOT EXISTS is not race-free in PostgreSQL: two pools creating the schema at once
    // can see a unique violation on the catalog, which means it exists now.
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(opts.schema)}`.execute(db).catch((err: { code?: string }) => {
      if (err?.code !== '23505' && err?.code !== '42P06') throw err;
    });
  }
  return db;
}

/**
 * The database at `opts.url`, migrated to the latest schema. Any failure is a
 * DatabaseOpenError saying why in an operator's words (never the URL), so the
 * caller can name the setting to fix.
 */
export async function openDatabase(opts: DbOptions): Promise<Db> {
  let db: Db | undefined;
  try {
    db = await createDb(opts);
    await migrateToLatest(db);
    return db;
  } catch (err) {
    await db?.destroy().catch(() => {});
    throw new DatabaseOpenError(err, opts.url);
  }
}

export class DatabaseOpenError extends Error {
  constructor(cause: unknown, url: string) {
    const inner = cause instanceof StoreUnavailable ? cause.cause : cause;
    const e = inner as { message?: unknown; code?: unknown } | null;
    let reason = (typeof e?.message === 'string' && e.message) || (typeof e?.code === 'string' && e.code) || String(inner);
    // Drivers do not echo the URL, but a password must never reach a log even if one did.
    const password = passwordOf(url);
    if (password) reason = reason.split(password).join('***');
    super(`cannot use the database: ${reason}`);
    this.name = 'DatabaseOpenError';
  }
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

export async function migrateToLatest(db: Db): Promise<void> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one: another
  // schema of the same database (another app, another Tessera) would make it skip creating ours.
  let migrationTableSchema: string | undefined;
  if (dialectOf(db) === 'postgres') {
    const current = (await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)).rows[0]?.schema;
    if (!current) throw new Error('no schema on its search_path exists');
    migrationTableSchema = current;
  }
  const migrator = new Migrator({ db, provider: migrationProvider, ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (!error && !failed) return;
    // SQLite has no migration lock between processes: one starting at the same moment as
    // another can lose the race on the first DDL statement, and finds the work done on a retry.
    // On PostgreSQL, Kysely's look at the catalog can fail while another schema of the database is
    // being dropped (seen as "schema … does not exist"); its migrations are transactions, so a
    // failed attempt left nothing behind.
    if (attempt < 3) {
      await new Promise((r) => setTimeout(r, 50 * attempt));
      continue;
    }
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? 'unknown error'}`);
  }
}

export async function pingDb(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}

/**
 * Fails when the database would refuse a write (read-only SQLite file, PostgreSQL
 * standby or read-only transaction): an update that matches no row still needs
 * a write transaction on both dialects, and changes nothing.
 */
export async function checkWritable(db: Db): Promise<void> {
  await sql`update users set id = id where 1 = 0`.execute(db);
}

export { dialectOf };
