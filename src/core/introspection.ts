import type { Repos, UserRecord } from '../store/repos/index.js';
import { accountStanding } from './account-standing.js';
import { looksOpaque } from './opaque-tokens.js';
import { effectiveScopes, type ScopePolicy } from './scopes.js';
import type { SessionService } from './sessions.js';

/** What RFC 7662 says about a live token. */
export interface ActiveToken {
  active: true;
  sub: string;
  username: string | null;
  scope: string;
  exp: number;
  iat: number;
  /** wisdom's values. */
  token_type: 'access_token' | 'refresh_token';
  /** As in the token; absent for the profiles whose tokens carry none (simple, aegis). */
  aud?: string | string[];
  iss: string;
  jti: string;
}

/** Anything not active says nothing else (RFC 7662 §2.2: no hint why). */
export type Introspection = ActiveToken | { active: false };

export interface IntrospectionDeps {
  repos: Pick<Repos, 'sessions' | 'users'>;
  sessions: Pick<SessionService, 'authenticate' | 'findRefreshToken'>;
  issuer: string;
  audience: string;
  /** TESSERA_REQUIRE_VERIFIED: an unverified user's tokens are inactive, as they are refused on every face. */
  requireVerified?: boolean;
  scopePolicy?: ScopePolicy;
  now?: () => number;
}

export type TokenTypeHint = 'access_token' | 'refresh_token';

const INACTIVE = { active: false } as const;
const looksLikeJwt = (t: string) => t.split('.').length === 3;
/** The token's scopes the user still holds: a scope taken away since is gone from the answer. */
const stillHeld = (scope: string[], user: UserRecord, policy?: ScopePolicy) => {
  const held = effectiveScopes(user, policy);
  return scope.filter((s) => held.includes(s)).join(' ');
};

/**
 * Token introspection (RFC 7662) for access and refresh tokens. Unlike the
 * per-request check, it asks the database whether the session still lives,
 * so a session ended on any instance is inactive here at once, before the
 * revocation poll brings the news. The user is read as for a request (a
 * deactivation or deletion ends the sessions too, so the session row
 * already tells).
 */
export function createIntrospection(deps: IntrospectionDeps) {
  const { repos, sessions } = deps;
  const now = deps.now ?? Date.now;

  const inGoodStanding = (user: UserRecord | undefined): user is UserRecord =>
    user !== undefined && accountStanding(user, deps.requireVerified ?? false) === 'ok';

  async function liveUser(userId: string): Promise<UserRecord | undefined> {
    const user = await repos.users.findById(userId);
    return inGoodStanding(user) ? user : undefined;
  }

  async function access(token: string): Promise<ActiveToken | undefined> {
    const c = await sessions.authenticate(token).then((p) => p.claims, () => undefined);
    // authenticate() allows 30 s of clock leeway for other servers; introspection answers on our own clock.
    if (!c || c.exp * 1000 <= now()) return undefined;
    const session = await repos.sessions.status(c.sid);
    if (!session || session.revokedAt !== null || session.userId !== c.sub) return undefined;
    const user = await repos.users.findByIdCached(c.sub);
    if (!inGoodStanding(user)) return undefined;
    return {
      active: true, sub: c.sub, username: user.username ?? user.email, scope: stillHeld(c.scope.split(' '), user, deps.scopePolicy),
      exp: c.exp, iat: c.iat, token_type: 'access_token', ...(c.aud === undefined ? {} : { aud: c.aud }), iss: c.iss, jti: c.jti,
    };
  }

  async function refresh(token: string): Promise<ActiveToken | undefined> {
    const t = await sessions.findRefreshToken(token);
    if (!t) return undefined;
    const user = await liveUser(t.userId);
    if (!user) return undefined;
    // What a refresh would grant: the login's scopes the user still holds.
    return {
      active: true, sub: user.id, username: user.username ?? user.email, scope: stillHeld(t.sessionScope, user, deps.scopePolicy),
      exp: Math.floor(t.expiresAt / 1000), iat: Math.floor(t.createdAt / 1000), token_type: 'refresh_token',
      aud: deps.audience, iss: deps.issuer, jti: t.id,
    };
  }

  return {
    /**
     * Describes `token` when it is live and holds every scope in `required`.
     * The hint only orders the lookups (RFC 7662 §2.1: it may be wrong).
     */
    async introspect(token: string, opts: { required?: string[]; hint?: string } = {}): Promise<Introspection> {
      const refreshFirst = opts.hint === 'refresh_token' || !(looksLikeJwt(token) || looksOpaque(token));
      const order = refreshFirst ? [refresh, access] : [access, refresh];
      for (const lookup of order) {
        const found = await lookup(token);
        if (!found) continue;
        const held = found.scope.split(' ');
        return (opts.required ?? []).every((s) => held.includes(s)) ? found : INACTIVE;
      }
      return INACTIVE;
    },
  };
}

export type IntrospectionService = ReturnType<typeof createIntrospection>;
