import type { FastifyRequest } from 'fastify';
import type { Container } from '../../../container.js';
import { Forbidden, InvalidToken, UserNotFound } from '../../../core/errors.js';
import type { Principal } from '../../../core/sessions.js';
import type { UserRecord } from '../../../store/repos/index.js';
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
 * session cookie, a live session, an active user, and the scope the route
 * needs (`me`, or `admin` held by a superuser).
 */
export function userGuard(container: Container, need: 'me' | 'admin' | 'any') {
  const trusted = trustedOrigins(container.config.corsOrigins, container.publicUrl);
  return async (req: FastifyRequest): Promise<void> => {
    const bearer = bearerToken(req);
    const token = bearer ?? req.cookies?.[AUTH_COOKIE];
    if (!token) throw new InvalidToken();
    // A browser sends the cookie on its own: a write it carries must come from a trusted origin (CSRF).
    if (bearer === undefined && crossSiteWrite(req, trusted)) throw new Forbidden();
    // The waiting versions only when a cache cannot answer: most requests reuse a known token.
    const principal = container.sessions.authenticateCached(token) ?? await container.sessions.authenticate(token);
    const user = container.users.currentCached(principal.userId) ?? await container.users.current(principal.userId).catch((err) => {
      throw err instanceof UserNotFound ? new InvalidToken() : err;
    });
    if (!user.isActive) throw new InvalidToken();
    if (need === 'me' && !principal.scope.includes('me')) throw new Forbidden();
    if (need === 'admin' && !(user.isSuperuser && principal.scope.includes('admin'))) throw new Forbidden();
    req.principal = principal;
    req.currentUser = user;
  };
}

/** Cookie login from another site's page (login CSRF) is refused like any cross-site cookie write. */
export function refuseCrossSite(container: Container) {
  const trusted = trustedOrigins(container.config.corsOrigins, container.publicUrl);
  return async (req: FastifyRequest): Promise<void> => {
    if (crossSiteWrite(req, trusted)) throw new Forbidden();
  };
}
