import type { Db } from './create-db.js';

/**
 * Runs `work` in a transaction of its own, or straight on `db` when `db` already is a transaction
 * (a repository bound to a caller's unit of work, repos/unit-of-work.ts): Kysely cannot nest them.
 */
export const inTransaction = <T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> =>
  db.isTransaction ? work(db) : db.transaction().execute(work);
