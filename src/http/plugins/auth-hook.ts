import type { FastifyRequest, onRequestHookHandler, preValidationHookHandler } from 'fastify';
import type { Container } from '../../container.js';
import { accountStanding } from '../../core/account-standing.js';
import { InvalidToken, UserNotFound } from '../../core/errors.js';
import type { Principal } from '../../core/sessions.js';
import type { UserRecord } from '../../store/repos/index.js';

export interface AuthHookOptions {
  /**
   * The request's token; throws the face's own refusal when there is none, or
   * returns undefined to let the request through anonymously (principal null).
   */
  token(req: FastifyRequest): string | undefined;
  /** The face's checks on a live token and its user in good standing (scope); throws to refuse. */
  admit?(principal: Principal, user: UserRecord): void;
  /**
   * The refusal for a user who is active but unverified while TESSERA_REQUIRE_VERIFIED
   * is on; default InvalidToken (the users face answers 403 instead).
   */
  unverified?(): Error;
}

/**
 * A hook that authenticates a request by its access token and sets
 * `req.principal` and `req.currentUser`. A known token of a known user (most
 * requests: clients reuse their token) is answered from the caches without a
 * promise; anything else waits for the signature check and the user's row.
 * A token whose user is gone or deactivated is an invalid token on every face,
 * and so is an unverified user's when verification is required (unless the face
 * says otherwise), whatever the face: the rule lives here, not in each guard.
 */
export function authHook(container: Container, opts: AuthHookOptions): onRequestHookHandler & preValidationHookHandler {
  const { sessions, users, config } = container;

  function accept(req: FastifyRequest, principal: Principal, user: UserRecord): void {
    const standing = accountStanding(user, config.requireVerified);
    if (standing === 'inactive') throw new InvalidToken();
    if (standing === 'unverified') throw opts.unverified?.() ?? new InvalidToken();
    opts.admit?.(principal, user);
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
    let token: string | undefined;
    try {
      token = opts.token(req);
      if (token === undefined) {
        done();
        return;
      }
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
