import type { Db } from '../create-db.js';
import { withUserCache, type CachedUsersRepo } from './cached-users.js';
import { lazyRepos, type PlainRepos } from './repo-factories.js';
import { createUsersRepo } from './users-repo.js';

/** The repositories bound to one transaction: every call through them commits or rolls back together. */
export type TxRepos = PlainRepos & { users: CachedUsersRepo };

/** Runs `work` in one transaction; what it returns is returned after the commit. A throw rolls everything back. */
export type Transaction = <T>(work: (repos: TxRepos) => Promise<T>) => Promise<T>;

/**
 * Core's way to make several repository calls one change (a user update, the sessions it ends and
 * its audit event) without any SQL of its own. The repositories are built per transaction, on first
 * use; precompiled queries on them take Kysely's path on the transaction (precompiled.ts).
 *
 * Users written in the transaction are forgotten by the shared user cache, and announced, once it
 * is over (committed or not: a commit whose answer was lost may still have landed), so nothing
 * outside ever caches a row the transaction had not committed yet.
 */
export function createUnitOfWork(db: Db, cache: Pick<CachedUsersRepo, 'forgetCached'>, onUserWrite?: (id: string) => void): Transaction {
  return async (work) => {
    const written = new Set<string>();
    try {
      return await db.transaction().execute((trx) => work(Object.assign(lazyRepos(trx), {
        users: withUserCache(createUsersRepo(trx), { ttlMs: 0, onWrite: (id: string) => { written.add(id); } }),
      })));
    } finally {
      for (const id of written) {
        cache.forgetCached(id);
        onUserWrite?.(id);
      }
    }
  };
}
