import type { preValidationHookHandler } from 'fastify';
import type { Container } from '../../../container.js';
import { authHook } from '../../plugins/auth-hook.js';
import { bearerToken } from '../../plugins/bearer.js';
import { AuthRequired } from './errors.js';

/**
 * preValidation hook: `Authorization: Bearer <token>` (else AuthRequired) naming a
 * live session of a user in good standing (else InvalidToken, see auth-hook.ts).
 */
export function aegisGuard(container: Container): preValidationHookHandler {
  return authHook(container, {
    token(req) {
      const token = bearerToken(req);
      if (!token) throw new AuthRequired();
      return token;
    },
  });
}
