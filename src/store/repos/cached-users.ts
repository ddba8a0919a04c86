import type { UserRecord, UsersRepo } from './users-repo.js';

export interface UserCacheOptions {
  /**
   * How long a row read by id may be answered from memory. Changes made
   * through this repository apply at once; changes made by another
   * instance are seen within this time (Tessera uses the revocation poll
   * interval, so both kinds of news travel within one bound).
   */
  ttlMs: number;
  /** Rows kept at most; the oldest read goes first. */
  max?: number;
  now?: () => number;
  /** Called after each write of a user (to tell other instances, which then call forgetCached). */
  onWrite?: (id: string) => void;
}

export type CachedUsersRepo = UsersRepo & {
  /** The user with this id as read at most `ttlMs` ago (never a cached absence): for per-request checks. */
  findByIdCached(id: string): Promise<UserRecord | undefined>;
  /** What findByIdCached would answer from memory, without waiting; undefined when it would read. */
  peekCached(id: string): UserRecord | undefined;
  /** Drops this instance's copy of a user another instance changed. */
  forgetCached(id: string): void;
  /** Drops every copy: a role's scopes changed, which any user may hold. */
  forgetAllCached(): void;
};

/**
 * The users repository with a short-lived cache of rows read by id, so an
 * authenticated request does not read its user from the database every time.
 * Every write of this repository forgets the row first; a read that raced a
 * write is not stored (the generation check), so this instance never answers
 * older data than it has written. Other readers (login, updates, admin views)
 * keep reading the database.
 */
export function withUserCache(repo: UsersRepo, opts: UserCacheOptions): CachedUsersRepo {
  const now = opts.now ?? Date.now;
  const max = opts.max ?? 10_000;
  const rows = new Map<string, { user: UserRecord; at: number }>();
  // Bumped by every write: a read started before a write must not store what it read.
  let generation = 0;

  const peekCached = (id: string): UserRecord | undefined => {
    const hit = rows.get(id);
    return hit && now() - hit.at < opts.ttlMs ? hit.user : undefined;
  };
  const forget = (id: string) => {
    generation++;
    rows.delete(id);
  };
  const writing = <A extends [string, ...unknown[]], R>(write: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    forget(args[0]);
    try {
      return await write(...args);
    } finally {
      forget(args[0]);
      opts.onWrite?.(args[0]);
    }
  };

  return {
    ...repo,
    update: writing(repo.update.bind(repo)),
    replacePasswordHash: writing(repo.replacePasswordHash.bind(repo)),
    retireCredentials: writing(repo.retireCredentials.bind(repo)),
    delete: writing(repo.delete.bind(repo)),
    setRoles: writing(repo.setRoles.bind(repo)),
    setMfaEnabled: writing(repo.setMfaEnabled.bind(repo)),

    peekCached,
    forgetCached: forget,
    forgetAllCached() {
      generation++;
      rows.clear();
    },

    async findByIdCached(id: string): Promise<UserRecord | undefined> {
      const hit = peekCached(id);
      if (hit) return hit;
      const started = generation;
      const at = now();
      const user = await repo.findById(id);
      if (user && generation === started && opts.ttlMs > 0) {
        rows.delete(id);
        if (rows.size >= max) rows.delete(rows.keys().next().value as string);
        rows.set(id, { user, at });
      }
      return user;
    },
  };
}
