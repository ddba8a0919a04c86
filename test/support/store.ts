import { createDb, migrateToLatest, type Db } from '../../src/store/create-db.js';
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
