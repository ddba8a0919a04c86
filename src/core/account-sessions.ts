import type { Repos } from '../store/repos/index.js';
import type { SessionView } from '../store/repos/sessions-repo.js';
import type { AuditLog, ClientContext, StoredAuditEvent } from './audit.js';
import { SessionNotFound, UserNotFound } from './errors.js';
import type { SessionService } from './sessions.js';

export interface AccountSessionsDeps {
  repos: Pick<Repos, 'sessions' | 'users'>;
  sessions: Pick<SessionService, 'endOwnedSession' | 'endUserSessions'>;
  audit: Pick<AuditLog, 'list'>;
  now?: () => number;
}

export interface Page { limit: number; offset: number }

/**
 * What a user (or an admin, for any user) sees and does with sessions and security events:
 * live sessions, ending one, the others or all, and the user's own audit events.
 */
export function createAccountSessions(deps: AccountSessionsDeps) {
  const { repos, sessions, audit } = deps;
  const now = deps.now ?? Date.now;

  async function existing(userId: string): Promise<void> {
    if (!(await repos.users.findById(userId))) throw new UserNotFound();
  }

  return {
    /** Live sessions (not ended, not expired), newest first. */
    list: (userId: string): Promise<SessionView[]> => repos.sessions.listLive(userId, now()),

    /** An admin's view of a user's sessions: UserNotFound when there is no such user. */
    async listFor(userId: string): Promise<SessionView[]> {
      await existing(userId);
      return repos.sessions.listLive(userId, now());
    },

    /** Ends one of the user's live sessions (every face, at once); SessionNotFound when it is not theirs or not live. */
    async end(userId: string, sid: string, client?: ClientContext): Promise<void> {
      if (!(await sessions.endOwnedSession(userId, sid, { reason: 'user', ...(client ? { client } : {}) }))) throw new SessionNotFound();
    },

    /** Ends every session of the user but `keepSid` (the caller's). */
    async endOthers(userId: string, keepSid: string, client?: ClientContext): Promise<void> {
      await sessions.endUserSessions(userId, keepSid, { reason: 'user', ...(client ? { client } : {}) });
    },

    /** An admin ends every session of a user. */
    async endAll(userId: string, client?: ClientContext): Promise<void> {
      await existing(userId);
      await sessions.endUserSessions(userId, undefined, { reason: 'admin', ...(client ? { client } : {}) });
    },

    /** The user's own events, newest first. */
    events: (userId: string, page: Page): Promise<{ items: StoredAuditEvent[]; total: number }> => audit.list({ userId, ...page }),
  };
}

export type AccountSessions = ReturnType<typeof createAccountSessions>;
