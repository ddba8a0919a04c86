import type { preValidationHookHandler } from 'fastify';
import type { Container } from '../../../../container.js';
import { InvalidToken } from '../../../../core/errors.js';
import { holdsAdmin } from '../../../../core/scopes.js';
import { authHook } from '../../../plugins/auth-hook.js';
import { bearerToken } from '../../../plugins/bearer.js';
import { WisdomError, insufficientScope } from './errors.js';

/**
 * preValidation hook of the wisdom routes, as wisdom's `get_current_user` with its security
 * scopes: a Bearer token (wisdom read no cookie; its frontend sends the string "undefined" when
 * it has none), a live session, an active user, and the route's scope in the token. For
 * `admin` Tessera's own rule applies on top: the user must also be a superuser.
 */
export function wisdomGuard(container: Container, need: 'me' | 'admin'): preValidationHookHandler {
  return authHook(container, {
    token(req) {
      const token = bearerToken(req);
      // wisdom answered 400 here; Tessera answers every missing credential 401 (docs/wisdom.md).
      if (!token || token === 'undefined') throw new WisdomError(401, 'invalid_request', 'No Bearer token present in the request');
      return token;
    },
    admit(principal, user) {
      if (!user.isActive) throw new InvalidToken();
      if (!principal.scope.includes(need)) throw insufficientScope(need);
      if (need === 'admin' && !holdsAdmin(user, container.scopePolicy)) throw insufficientScope(need);
    },
  });
}
