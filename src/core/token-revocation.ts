import type { ClientContext } from './audit.js';
import { looksOpaque } from './opaque-tokens.js';
import type { SessionService } from './sessions.js';

export interface TokenRevocationDeps {
  /** Ends the session with its session.revoked event, in one transaction. */
  sessions: Pick<SessionService, 'findRefreshToken' | 'revokeSession' | 'verifyAccess'>;
}

/** Who asks for a revocation: a user may end their own sessions, an admin anyone's. */
export interface Revoker {
  userId: string;
  isAdmin: boolean;
}

const looksLikeJwt = (t: string) => t.split('.').length === 3;

/**
 * Token revocation (RFC 7009). Revoking either kind of token ends the session
 * it belongs to, so the refresh tokens and every access token of that login
 * die together. Unknown, dead, or someone else's tokens are left alone
 * without a word: the caller learns nothing about tokens it does not own.
 */
export function createTokenRevocation(deps: TokenRevocationDeps) {
  const { sessions } = deps;

  /** The session and owner of a live token, whichever kind it is. */
  async function locate(token: string): Promise<{ sid: string; userId: string } | undefined> {
    if (looksLikeJwt(token) || looksOpaque(token)) {
      // An expired access token is already useless; its session is left to its refresh token.
      const r = await sessions.verifyAccess(token);
      return r.ok ? { sid: r.claims.sid, userId: r.claims.sub } : undefined;
    }
    const t = await sessions.findRefreshToken(token);
    return t && { sid: t.sessionId, userId: t.userId };
  }

  return {
    /** Ends the token's session when `by` may; resolves the same way whatever happened. */
    async revoke(token: string, by: Revoker, client?: ClientContext): Promise<void> {
      const found = await locate(token);
      if (!found || (found.userId !== by.userId && !by.isAdmin)) return;
      await sessions.revokeSession(found.sid, found.userId, { reason: 'token_revocation', ...(client ? { client } : {}) });
    },
  };
}

export type TokenRevocationService = ReturnType<typeof createTokenRevocation>;
