import type { FastifyRequest, preValidationHookHandler } from 'fastify';
import type { Container } from '../../../container.js';
import { authHook } from '../../plugins/auth-hook.js';
import { AuthRequired } from './errors.js';

/** aegis strips `Bearer ` from the header and decodes the rest: `Bearer <t>` or the bare token. */
function aegisToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const token = /^(?:Bearer[ ]+)?([^\s]+)\s*$/i.exec(h)?.[1];
  // The scheme alone is no token.
  return token && token.toLowerCase() !== 'bearer' ? token : undefined;
}

/**
 * preValidation hook: the access token, `Bearer <t>` or bare (else AuthRequired), naming a
 * live session of a user in good standing (else InvalidToken, see auth-hook.ts).
 */
export function aegisGuard(container: Container): preValidationHookHandler {
  return authHook(container, {
    token(req) {
      const token = aegisToken(req);
      if (!token) throw new AuthRequired();
      return token;
    },
  });
}
