import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import type { Dialect } from './harness.js';
import { PG_URL } from './harness.js';

/** The committed output of test/import/fixtures/generate.py. */
export const fixture = (name: string): string => new URL(`../import/fixtures/${name}`, import.meta.url).pathname;

export interface Manifest {
  ipseity: { user: string; password: string; uid: string | null; active: boolean }[];
  fastapi_users: { id: string; email: string; password: string; is_active: boolean; is_superuser: boolean; is_verified: boolean }[];
}
export const manifest = (): Manifest => JSON.parse(readFileSync(fixture('manifest.json'), 'utf8')) as Manifest;

export interface SourceDb {
  /** What `tessera import <format> <source>` is given. */
  source: string;
  drop(): Promise<void>;
}

/**
 * A source system's database built from a fixture's SQL (its real DDL and rows):
 * a SQLite file, or a PostgreSQL schema of its own reached through the URL's search_path.
 */
export async function sourceDb(dialect: Dialect, name: string): Promise<SourceDb> {
  const script = readFileSync(fixture(`${name}.${dialect}.sql`), 'utf8');
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-source-'));
    const path = join(dir, `${name}.db`);
    const db = new Sqlite(path);
    // As the sqlite3 shell restores a dump: foreign keys off (the dump creates tables alphabetically).
    db.pragma('foreign_keys = OFF');
    db.exec(script);
    db.close();
    return { source: path, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `src_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`SET search_path TO ${schema}`);
    await admin.query(script);
  } finally {
    await admin.end();
  }
  return {
    source: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}
