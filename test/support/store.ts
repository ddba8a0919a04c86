import { randomUUID } from 'node:crypto';
import { Migrator, sql } from 'kysely';
import { createDb, migrateToLatest, type Db } from '../../src/store/create-db.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { createRepos, type Repos } from '../../src/store/repos/index.js';
import { freshDb, type Dialect, type TestDb } from './harness.js';

export interface TestStore {
  db: Db;
  repos: Repos;
  testDb: TestDb;
  /** Another connection (pool) on the same database, for concurrency tests. */
  open(): Promise<Db>;
  close(): Promise<void>;
}

/** A migrated, empty store on a fresh SQLite file or PostgreSQL schema; no server around it. */
export async function openStore(dialect: Dialect): Promise<TestStore> {
  const testDb = freshDb(dialect);
  const opened: Db[] = [];
  const open = async () => {
    const db = await createDb({ url: testDb.url, ...(testDb.schema ? { schema: testDb.schema } : {}) });
    opened.push(db);
    return db;
  };
  const db = await open();
  await migrateToLatest(db);
  return {
    db, repos: createRepos(db), testDb, open,
    async close() {
      for (const d of opened) await d.destroy();
      await testDb.drop();
    },
  };
}

/** A connection to `testDb` migrated up to (and including) the named migration only: to test a later one on old data. */
export async function openMigratedTo(testDb: TestDb, name: string): Promise<Db> {
  const db = await createDb({ url: testDb.url, ...(testDb.schema ? { schema: testDb.schema } : {}) });
  const { error } = await new Migrator({ db, provider: migrationProvider, ...(testDb.schema ? { migrationTableSchema: testDb.schema } : {}) }).migrateTo(name);
  if (error) throw error;
  return db;
}

/** Users as migration 0002 stored them (no account number, no names), in this order. */
export async function insertUsersBefore0003(db: Db, ids: string[], createdAt: number): Promise<void> {
  for (const [i, id] of ids.entries()) {
    await sql`insert into users (id, email, email_normalized, is_active, is_superuser, is_verified, scopes, created_at, updated_at)
      values (${id}, ${`${i}@old.bt`}, ${`${i}@old.bt`}, 1, 0, 0, '[]', ${createdAt - i}, ${createdAt - i})`.execute(db);
  }
}

/** A plain user for repo tests to hang rows on (foreign keys); its id. */
export async function insertOwner(st: TestStore, at: number, email = 'owner@camelot.bt'): Promise<string> {
  const id = randomUUID();
  await st.repos.users.insert({ id, email, username: null, passwordHash: null, isActive: true, isSuperuser: false, isVerified: false, scopes: [], createdAt: at, updatedAt: at });
  return id;
}
