import type { FastifyRequest, onRequestHookHandler, preValidationHookHandler } from 'fastify';
import type { Container } from '../../container.js';
import { InvalidToken, UserNotFound } from '../../core/errors.js';
import type { Principal } from '../../core/sessions.js';
import type { UserRecord } from '../../store/repos/index.js';

export interface AuthHookOptions {
  /** The request's token; throws the face's own refusal when there is none. */
  token(req: FastifyRequest): string;
  /** The face's checks on a live token and its user (active, scope); throws to refuse. */
  admit(principal: Principal, user: UserRecord): void;
}

/**
 * A hook that authenticates a request by its access token and sets
 * `req.principal` and `req.currentUser`. A known token of a known user (most
 * requests: clients reuse their token) is answered from the caches without a
 * promise; anything else waits for the signature check and the user's row.
 * A token whose user is gone is an invalid token.
 */
export function authHook(container: Container, opts: AuthHookOptions): onRequestHookHandler & preValidationHookHandler {
  const { sessions, users } = container;

  function accept(req: FastifyRequest, principal: Principal, user: UserRecord): void {
    opts.admit(principal, user);
    req.principal = principal;
    req.currentUser = user;
  }

  async function verifyAndLoad(req: FastifyRequest, token: string): Promise<void> {
    const principal = await sessions.authenticate(token);
    const user = await users.current(principal.userId).catch((err) => {
      throw err instanceof UserNotFound ? new InvalidToken() : err;
    });
    accept(req, principal, user);
  }

  return (req: FastifyRequest, _reply: unknown, done: (err?: Error) => void) => {
    let token: string;
    try {
      token = opts.token(req);
      const principal = sessions.authenticateCached(token);
      const user = principal && users.currentCached(principal.userId);
      if (principal && user) {
        accept(req, principal, user);
        done();
        return;
      }
    } catch (err) {
      done(err as Error);
      return;
    }
    verifyAndLoad(req, token).then(() => done(), (err: Error) => done(err));
  };
}
