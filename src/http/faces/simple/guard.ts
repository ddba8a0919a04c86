import type { FastifyRequest } from 'fastify';
import type { Container } from '../../../container.js';
import { Forbidden, FreshTokenRequired, InvalidToken } from '../../../core/errors.js';
import { accessToken } from './args.js';
import { missingToken } from './errors.js';

export interface SimpleGuardOptions {
  /** No token at all lets the request through anonymously (GET /user). */
  optional?: boolean;
  /** The token must come straight from a password check (GET /refresh_token, DELETE /user). */
  fresh?: boolean;
  /** Acting on the account itself needs the `me` scope, as /users/me does on the users face. */
  me?: boolean;
}

/** preValidation hook: a live access token from any of the face's token sources. */
export function simpleGuard(container: Container, opts: SimpleGuardOptions = {}) {
  return async (req: FastifyRequest): Promise<void> => {
    const { token, malformed } = accessToken(req);
    if (malformed) throw new InvalidToken();
    if (!token) {
      if (opts.optional) return;
      throw missingToken();
    }
    const principal = await container.sessions.authenticate(token);
    if (opts.me && !principal.scope.includes('me')) throw new Forbidden();
    if (opts.fresh && !principal.fresh) throw new FreshTokenRequired();
    req.principal = principal;
  };
}
