import type { FastifyRequest, preValidationHookHandler } from 'fastify';
import type { Container } from '../../../container.js';
import { Forbidden, InvalidToken } from '../../../core/errors.js';
import { actsAsAdmin } from '../../../core/scopes.js';
import type { Principal } from '../../../core/sessions.js';
import type { UserRecord } from '../../../store/repos/index.js';
import { authHook } from '../../plugins/auth-hook.js';
import { bearerToken } from '../../plugins/bearer.js';
import { crossSiteWrite, trustedOrigins } from '../../origin-check.js';

export const AUTH_COOKIE = 'tessera_auth';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    currentUser: UserRecord | null;
  }
}

/**
 * preValidation hook for authenticated users-face routes: a Bearer token or the
 * session cookie, a live session, a user in good standing (auth-hook.ts), and
 * the scope the route needs (`me`, or `admin` held by a superuser).
 */
export function userGuard(container: Container, need: 'me' | 'admin' | 'any'): preValidationHookHandler {
  const trusted = trustedOrigins(container.config.corsOrigins, container.publicUrl);
  return authHook(container, {
    token(req) {
      const bearer = bearerToken(req);
      const token = bearer ?? req.cookies?.[AUTH_COOKIE];
      if (!token) throw new InvalidToken();
      // A browser sends the cookie on its own: a write it carries must come from a trusted origin (CSRF).
      if (bearer === undefined && crossSiteWrite(req, trusted)) throw new Forbidden();
      return token;
    },
    // FastAPI Users' current_user(active=True, verified=requires_verification): 403 when unverified.
    unverified: () => new Forbidden(),
    admit(principal, user) {
      if (need === 'me' && !principal.scope.includes('me')) throw new Forbidden();
      if (need === 'admin' && !actsAsAdmin(user, principal.scope, container.scopePolicy)) throw new Forbidden();
    },
  });
}

/** Cookie login from another site's page (login CSRF) is refused like any cross-site cookie write. */
export function refuseCrossSite(container: Container) {
  const trusted = trustedOrigins(container.config.corsOrigins, container.publicUrl);
  return async (req: FastifyRequest): Promise<void> => {
    if (crossSiteWrite(req, trusted)) throw new Forbidden();
  };
}
