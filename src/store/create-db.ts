import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './tables.js';
import { dialectOf } from './dialect.js';

// int8 (bigint) columns hold epoch milliseconds: safe as JS numbers.
pg.types.setTypeParser(20, (v) => Number(v));

export interface DbOptions {
  url: string;
  /** PostgreSQL schema to work in (tests use one per run); created if missing. */
  schema?: string;
  poolSize?: number;
}

export type Db = Kysely<Database>;

export async function createDb(opts: DbOptions): Promise<Db> {
  if (opts.url.startsWith('sqlite:')) {
    const path = opts.url.slice('sqlite:'.length);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const raw = new SqliteDatabase(path);
    // WAL: readers never block the writer, and an acknowledged commit survives a crash.
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 5000');
    return new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  }
  if (opts.schema && !/^[a-z_][a-z0-9_]*$/.test(opts.schema)) throw new Error('invalid schema name');
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (opts.schema) await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(opts.schema)}`.execute(db);
  return db;
}

export async function migrateToLatest(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? 'unknown error'}`);
  }
}

export async function pingDb(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}

export { dialectOf };
