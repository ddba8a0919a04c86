import { randomUUID } from 'node:crypto';
import type { AccessClaims, AccessTokens, VerifyResult } from '../crypto/access-token.js';
import { hashToken, randomToken } from '../crypto/random-token.js';
import type { ProfileName } from '../crypto/token-profiles.js';
import type { Repos, UserRecord } from '../store/repos/index.js';
import { truncateUserAgent, type AuditEventInput, type AuditLog, type ClientContext } from './audit.js';
import { AccountInactive, InvalidCredentials, InvalidRefreshToken, InvalidToken, RefreshTokenReused, TokenExpired } from './errors.js';
import { looksOpaque, type OpaqueTokens } from './opaque-tokens.js';
import type { RevocationList } from './revocation-list.js';
import type { SessionActivity } from './session-activity.js';
import { effectiveScopes, narrowScopes, type ScopePolicy } from './scopes.js';
import { unitOfWork, type Work } from './unit-of-work.js';

export interface TokenSet {
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** Present on login and on rotation; absent when a non-rotating session refreshes. */
  refreshToken?: string;
  scope: string[];
  sid: string;
  claims: AccessClaims;
}

/** Who a valid access token speaks for. */
export interface Principal {
  userId: string;
  sid: string;
  scope: string[];
  fresh: boolean;
  claims: AccessClaims;
}

export interface SessionServiceDeps {
  repos: Pick<Repos, 'sessions' | 'refreshTokens' | 'users' | 'transaction'>;
  accessTokens: AccessTokens;
  opaqueTokens: OpaqueTokens;
  revocations: RevocationList;
  refreshTtlSeconds: number;
  /** Records login.succeeded (in the session's own insert), logout, refresh.reuse_detected, session.revoked (each with its change). */
  audit: Pick<AuditLog, 'prepare'>;
  /** last_used_at, written at most once a minute per session (session-activity.ts). */
  activity?: Pick<SessionActivity, 'used'>;
  scopePolicy?: ScopePolicy;
  now?: () => number;
}

export interface StartSessionOptions {
  scope?: string[];
  rotating?: boolean;
  profile?: ProfileName;
  /** Where the login came from: kept on the session and on its login.succeeded event. */
  client?: ClientContext;
  /** How the user proved who they are (login.succeeded's detail): `password` unless said otherwise. */
  method?: string;
}

/** Why sessions ended (session.revoked's `reason`). */
export interface EndedBy { reason: string; client?: ClientContext }

/**
 * Sessions and the tokens of a session. One password login is one session;
 * ending it kills its refresh tokens in the database and its access tokens
 * through the revocation list.
 */
export function createSessionService(deps: SessionServiceDeps) {
  const { repos, accessTokens, opaqueTokens, revocations, audit, activity } = deps;
  const now = deps.now ?? Date.now;
  const transact = unitOfWork(repos, audit);

  /** A new refresh token: what the client gets, and the row that stores only its hash. */
  function refreshTokenFor(expiresAt: number) {
    const token = randomToken();
    return { token, row: { id: randomUUID(), tokenHash: hashToken(token), createdAt: now(), expiresAt, usedAt: null } };
  }

  async function newRefreshToken(sessionId: string, expiresAt: number): Promise<string> {
    const { token, row } = refreshTokenFor(expiresAt);
    await repos.refreshTokens.insert({ ...row, sessionId });
    return token;
  }

  /** An access token in the profile of the face that asked (token-profiles.ts; oauth2 when none). */
  async function access(user: UserRecord, sid: string, scope: string[], fresh: boolean, profile: ProfileName = 'oauth2') {
    const input = { sub: user.id, sid, scope, fresh, username: user.username, email: user.email, profile };
    const { token, claims } = accessTokens.profiles[profile].format === 'opaque' ? await opaqueTokens.issue(input) : accessTokens.sign(input);
    return { accessToken: token, expiresIn: claims.exp - claims.iat, claims };
  }

  /** A cached verdict on a JWT (one Map lookup) or, failing that, on an opaque token. */
  const verifiedCached = (token: string): VerifyResult | undefined =>
    accessTokens.verifyCached(token) ?? (looksOpaque(token) ? opaqueTokens.verifyCached(token) : undefined);

  /** Signature (JWT) or stored row (opaque), claims and expiry; not the session. */
  const verifyAccess = async (token: string): Promise<VerifyResult> =>
    verifiedCached(token) ?? await (looksOpaque(token) ? opaqueTokens.verify(token) : accessTokens.verify(token));

  function principalOf(r: VerifyResult): Principal {
    if (!r.ok) throw r.reason === 'expired' ? new TokenExpired() : new InvalidToken();
    if (revocations.isRevoked(r.claims.sid)) throw new InvalidToken();
    const c = r.claims;
    activity?.used(c.sid);
    return { userId: c.sub, sid: c.sid, scope: c.scope.split(' ').filter(Boolean), fresh: c.fresh, claims: c };
  }

  /** A refresh token that could still refresh (its session live, unexpired, not spent), looked up without spending it. */
  async function findLiveRefreshToken(refreshToken: string) {
    const t = await repos.refreshTokens.findByHash(hashToken(refreshToken));
    if (!t || t.sessionRevokedAt !== null || t.expiresAt <= now() || (t.sessionRotating && t.usedAt !== null)) return undefined;
    return t;
  }

  async function endSession(sid: string): Promise<void> {
    const at = now();
    revocations.add(sid, at);
    await repos.sessions.revoke(sid, at);
  }

  /**
   * Ends session `sid` as part of `work` (with `owner`, only a live session of that user's) and
   * records `event` only when this call ended it: a session already ended reports nothing twice.
   * The revocation list (memory, other instances) hears of it once committed. True when it ended.
   */
  async function endSessionIn(work: Work, sid: string, event: AuditEventInput, by: { owner?: string; client?: ClientContext } = {}): Promise<boolean> {
    const at = now();
    const ended = by.owner === undefined ? await work.repos.sessions.revoke(sid, at) : await work.repos.sessions.revokeOwned(sid, by.owner, at);
    if (!ended) return false;
    work.afterCommit(() => revocations.add(sid, at));
    await work.record(event, by.client);
    return true;
  }

  /** session.revoked for one session, as revokeSession and endOwnedSession record it. */
  const revokedEvent = (sid: string, userId: string, by: EndedBy): AuditEventInput =>
    ({ type: 'session.revoked', userId, detail: { session_ids: [sid], reason: by.reason } });

  /** endUserSessions() as part of `work` (a password change, a deletion: the change that ends them). */
  async function endUserSessionsIn(work: Work, userId: string, exceptSid?: string, by?: EndedBy): Promise<number> {
    const at = now();
    const ended = await work.repos.sessions.revokeAllForUser(userId, at, exceptSid);
    work.afterCommit(() => { for (const sid of ended) revocations.add(sid, at); });
    if (exceptSid) await work.repos.sessions.adoptCredentialsVersion(exceptSid, userId);
    if (by && ended.length > 0) await work.record({ type: 'session.revoked', userId, detail: { session_ids: ended, reason: by.reason } }, by.client);
    return ended.length;
  }

  return {
    /**
     * Opens a session for a user whose password was just checked: the access token is `fresh`.
     * Only while `user` (as read for that check) is still active at the same credentials version:
     * a password change, reset, deactivation or deletion that landed meanwhile makes it
     * InvalidCredentials, as if it had come first.
     */
    async startSession(user: UserRecord, opts: StartSessionOptions = {}): Promise<TokenSet> {
      const scope = narrowScopes(effectiveScopes(user, deps.scopePolicy), opts.scope);
      const sid = randomUUID();
      const createdAt = now();
      const expiresAt = createdAt + deps.refreshTtlSeconds * 1000;
      const first = refreshTokenFor(expiresAt);
      const c = opts.client ?? {};
      const session = {
        id: sid, userId: user.id, createdAt, expiresAt, revokedAt: null, rotating: opts.rotating ?? true, scope, credentialsVersion: user.credentialsVersion,
        ip: c.ip ?? null, userAgent: truncateUserAgent(c.userAgent), face: c.face ?? null,
      };
      // The login's event is written by the session's own insert: no extra round trip, and no event without a session.
      const event = audit.prepare({ type: 'login.succeeded', userId: user.id, detail: { session_id: sid, method: opts.method ?? 'password' } }, c);
      if (!(await repos.sessions.insertWithToken(session, first.row, event))) throw new InvalidCredentials();
      return { ...(await access(user, sid, scope, true, opts.profile)), refreshToken: first.token, scope, sid };
    },

    /** Adds a refresh token to an existing live session (the simple face hands them out on request). */
    async issueRefreshToken(sid: string): Promise<string> {
      const s = await repos.sessions.findById(sid);
      if (!s || s.revokedAt !== null || s.expiresAt <= now()) throw new InvalidToken();
      return newRefreshToken(sid, s.expiresAt);
    },

    /**
     * Trades a refresh token for a new access token. Rotating sessions also
     * get a new refresh token; presenting a spent one ends the session. A face
     * that cannot hand its client a successor (`returnsSuccessor: false`: aegis,
     * simple) leaves the presented token unspent, so it keeps working there as
     * that face's own tokens do; once spent elsewhere it is reuse, as always.
     */
    async refresh(refreshToken: string, opts: { scope?: string[]; profile?: ProfileName; client?: ClientContext; returnsSuccessor?: boolean } = {}): Promise<TokenSet> {
      const t = await repos.refreshTokens.findByHash(hashToken(refreshToken));
      const at = now();
      if (!t || t.sessionRevokedAt !== null || t.expiresAt <= at) throw new InvalidRefreshToken();
      const reused = async () => {
        await transact((work) => endSessionIn(work, t.sessionId,
          { type: 'refresh.reuse_detected', userId: t.userId, detail: { session_id: t.sessionId } }, { client: opts.client }));
        return new RefreshTokenReused();
      };
      if (t.sessionRotating && t.usedAt !== null) throw await reused();
      const user = await repos.users.findById(t.userId);
      // A session opened before the user's password or status last changed is dead, even if
      // ending it (endUserSessions) never ran, e.g. the instance stopped in between.
      if (!user || !user.isActive || user.credentialsVersion !== t.sessionCredentialsVersion) {
        await endSession(t.sessionId);
        throw new InvalidRefreshToken();
      }
      // Never wider than what the login granted, nor than what the user holds now. Checked
      // before the token is spent, so asking for a scope one lacks does not burn it.
      const allowed = t.sessionScope.filter((s) => effectiveScopes(user, deps.scopePolicy).includes(s));
      const scope = narrowScopes(allowed, opts.scope);
      // The successor is stored before the token is spent: if the database fails in between, the
      // presented token still works for a retry (the unused successor was never handed out), where
      // the other order would leave a spent token and the retry would look like reuse.
      const rotates = t.sessionRotating && opts.returnsSuccessor !== false;
      const next = rotates ? await newRefreshToken(t.sessionId, t.expiresAt) : undefined;
      // Likewise the access token (an opaque one is a row too): nothing the client needs is written after the spend.
      const issued = await access(user, t.sessionId, scope, false, opts.profile);
      // markUsed is the atomic step: of concurrent uses of one token only one wins.
      if (rotates && !(await repos.refreshTokens.markUsed(t.id, at))) throw await reused();
      activity?.used(t.sessionId);
      return { ...issued, ...(next ? { refreshToken: next } : {}), scope, sid: t.sessionId };
    },

    /** Validates an access token: signature, claims, expiry, and that its session is still live. */
    async authenticate(accessToken: string): Promise<Principal> {
      return principalOf(await verifyAccess(accessToken));
    },

    /**
     * authenticate() for a token whose signature was checked before, without
     * waiting (the common case of a client reusing its token); undefined when
     * the signature still has to be checked. Same verdicts, same errors.
     */
    authenticateCached(accessToken: string): Principal | undefined {
      const r = verifiedCached(accessToken);
      return r && principalOf(r);
    },

    verifyAccess,

    /** Looks a refresh token up without spending it (introspection, revocation). */
    findRefreshToken: findLiveRefreshToken,

    /**
     * Disallows one refresh token of `userId`: it can no longer refresh, while
     * its session, that session's access tokens and its other refresh tokens
     * live on. A token that is unknown, dead, or someone else's is an
     * InvalidRefreshToken (the caller holds it, so saying so reveals nothing).
     */
    async disallowRefreshToken(userId: string, refreshToken: string): Promise<void> {
      const t = await findLiveRefreshToken(refreshToken);
      if (!t || t.userId !== userId || !(await repos.refreshTokens.deleteById(t.id))) throw new InvalidRefreshToken();
    },

    /**
     * Why a refresh token that refresh() refused failed, for a face that tells a
     * deactivated account apart from a bad token: AccountInactive when the
     * token is genuine and unexpired but its user is deactivated (deactivation
     * ends the session, so the session's state cannot tell), else `err`.
     */
    async explainRefreshFailure(refreshToken: string, err: unknown): Promise<never> {
      if (err instanceof InvalidRefreshToken && !(err instanceof RefreshTokenReused)) {
        const t = await repos.refreshTokens.findByHash(hashToken(refreshToken));
        const user = t && t.expiresAt > now() ? await repos.users.findById(t.userId) : undefined;
        if (user && !user.isActive) throw new AccountInactive();
      }
      throw err;
    },

    /** Ends a session with no event (a refresh that finds its session dead). */
    endSession,

    /** Ends session `sid` of `userId` with a session.revoked event naming it (token revocation); no event when it had already ended. */
    async revokeSession(sid: string, userId: string, by: EndedBy): Promise<void> {
      await transact((work) => endSessionIn(work, sid, revokedEvent(sid, userId, by), { client: by.client }));
    },

    /** Ends live session `sid` of `userId` (the sessions API), with a session.revoked event; false when there is none. */
    endOwnedSession: (userId: string, sid: string, by: EndedBy): Promise<boolean> =>
      transact((work) => endSessionIn(work, sid, revokedEvent(sid, userId, by), { owner: userId, client: by.client })),

    /** Ends the caller's own session (logout on any face), with its `logout` event; none when it had already ended. */
    async logout(principal: Pick<Principal, 'sid' | 'userId'>, client?: ClientContext): Promise<void> {
      await transact((work) => endSessionIn(work, principal.sid, { type: 'logout', userId: principal.userId, detail: { session_id: principal.sid } }, { client }));
    },

    /**
     * Ends every session of a user but `exceptSid` (password change, deactivation, deletion), after
     * the change moved the user's credentials version; the kept session moves to that version.
     * Returns how many ended. With `by`, an explicit revocation: one session.revoked event names them.
     */
    endUserSessions: (userId: string, exceptSid?: string, by?: EndedBy): Promise<number> =>
      transact((work) => endUserSessionsIn(work, userId, exceptSid, by)),

    endUserSessionsIn,
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
