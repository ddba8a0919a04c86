import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../../container.js';
import { Forbidden, FreshTokenRequired, InvalidToken, TokenExpired } from '../../../core/errors.js';
import { authHook } from '../../plugins/auth-hook.js';
import { accessToken } from './args.js';
import { missingToken, SimpleError } from './errors.js';

export interface SimpleGuardOptions {
  /**
   * `required` (default): no token is 401, an invalid one 401.
   * `optional` (GET /user): no token, or one that is not valid, lets the request through anonymously.
   * `check` (GET /check): the token is the argument being checked; missing or not valid is 400.
   */
  mode?: 'required' | 'optional' | 'check';
  /** The token must come straight from a password check (GET /refresh_token, PATCH and DELETE /user). */
  fresh?: boolean;
  /** Acting on the account itself needs the `me` scope, as /users/me does on the users face. */
  me?: boolean;
}

const isTokenRefusal = (err: unknown) => err instanceof InvalidToken || err instanceof TokenExpired;

/**
 * preValidation hook: a live access token from any of the face's token sources,
 * of a user in good standing (the shared auth hook's rule: a deactivated or
 * deleted user's token is invalid).
 */
export function simpleGuard(container: Container, opts: SimpleGuardOptions = {}) {
  const mode = opts.mode ?? 'required';
  const hook = authHook(container, {
    token(req) {
      const { token, malformed } = accessToken(req);
      if (malformed) throw new InvalidToken();
      if (token) return token;
      if (mode === 'optional') return undefined;
      throw mode === 'check' ? new SimpleError(400, 'Missing argument: access_token') : missingToken();
    },
    admit(principal) {
      if (opts.me && !principal.scope.includes('me')) throw new Forbidden();
      if (opts.fresh && !principal.fresh) throw new FreshTokenRequired();
    },
  });
  return (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    hook.call(req.server, req, reply, (err?: Error) => {
      if (!err || !isTokenRefusal(err) || mode === 'required') return done(err);
      if (mode === 'optional') return done();
      // ipseity's /check answers every unusable token with 400 (its InvalidTokenError).
      done(new SimpleError(400, err instanceof TokenExpired ? 'Token has expired' : 'Invalid token'));
    });
  };
}
