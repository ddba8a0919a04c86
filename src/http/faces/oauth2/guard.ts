import type { FastifyRequest } from 'fastify';
import type { Container } from '../../../container.js';
import { Forbidden, InvalidToken } from '../../../core/errors.js';
import { bearerToken } from '../../plugins/bearer.js';
import { OAuthError } from './errors.js';

/**
 * onRequest hook for introspection and revocation: the caller is a live
 * Bearer access token of an active user (RFC 7662 §2.1 allows a bearer
 * token as the caller's credential), checked before the body is even read.
 * `me` additionally requires that scope.
 */
export function callerGuard(container: Container, need?: 'me') {
  return async (req: FastifyRequest): Promise<void> => {
    const token = bearerToken(req);
    // RFC 6750 §3.1: a request with no credentials gets a bare challenge.
    if (!token) throw new OAuthError('invalid_token', 'a Bearer access token is required', 401, 'Bearer');
    const principal = container.sessions.authenticateCached(token) ?? await container.sessions.authenticate(token);
    const user = container.users.currentCached(principal.userId) ?? await container.users.current(principal.userId);
    if (!user.isActive) throw new InvalidToken();
    if (need === 'me' && !principal.scope.includes('me')) throw new Forbidden();
    req.principal = principal;
    req.currentUser = user;
  };
}
