import type { onRequestHookHandler } from 'fastify';
import type { Container } from '../../../container.js';
import { Forbidden } from '../../../core/errors.js';
import { authHook } from '../../plugins/auth-hook.js';
import { bearerToken } from '../../plugins/bearer.js';
import { OAuthError } from './errors.js';

/**
 * onRequest hook for introspection and revocation: the caller is a live
 * Bearer access token of an active user (RFC 7662 §2.1 allows a bearer
 * token as the caller's credential), checked before the body is even read.
 * `me` additionally requires that scope.
 */
export function callerGuard(container: Container, need?: 'me'): onRequestHookHandler {
  return authHook(container, {
    token(req) {
      const token = bearerToken(req);
      // RFC 6750 §3.1: a request with no credentials gets a bare challenge.
      if (!token) throw new OAuthError('invalid_token', 'a Bearer access token is required', 401, 'Bearer');
      return token;
    },
    admit(principal) {
      if (need === 'me' && !principal.scope.includes('me')) throw new Forbidden();
    },
  });
}
