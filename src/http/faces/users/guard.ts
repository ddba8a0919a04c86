import type { FastifyRequest } from 'fastify';
import type { Container } from '../../../container.js';
import { Forbidden, InvalidToken, UserNotFound } from '../../../core/errors.js';
import type { Principal } from '../../../core/sessions.js';
import type { UserRecord } from '../../../store/repos/index.js';
import { bearerToken } from '../../plugins/bearer.js';

export const AUTH_COOKIE = 'tessera_auth';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    currentUser: UserRecord | null;
  }
}

/**
 * preHandler for authenticated users-face routes: a Bearer token or the
 * session cookie, a live session, an active user, and the scope the route
 * needs (`me`, or `admin` held by a superuser).
 */
export function userGuard(container: Container, need: 'me' | 'admin' | 'any') {
  return async (req: FastifyRequest): Promise<void> => {
    const token = bearerToken(req) ?? req.cookies?.[AUTH_COOKIE];
    if (!token) throw new InvalidToken();
    const principal = await container.sessions.authenticate(token);
    const user = await container.users.get(principal.userId).catch((err) => {
      throw err instanceof UserNotFound ? new InvalidToken() : err;
    });
    if (!user.isActive) throw new InvalidToken();
    if (need === 'me' && !principal.scope.includes('me')) throw new Forbidden();
    if (need === 'admin' && !(user.isSuperuser && principal.scope.includes('admin'))) throw new Forbidden();
    req.principal = principal;
    req.currentUser = user;
  };
}
