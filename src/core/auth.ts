import type { PasswordHasher } from '../crypto/password-hasher.js';
import type { Repos, UserRecord } from '../store/repos/index.js';
import type { AuditRecorder, ClientContext } from './audit.js';
import { AccountInactive, InvalidCredentials, MfaRequired, UserNotVerified, type MfaChallenge } from './errors.js';
import { normalizePassword } from './password-policy.js';
import type { SessionService, StartSessionOptions, TokenSet } from './sessions.js';

/** login.failed's `reason`: one of a few fixed words, never what was typed. */
export type LoginFailure = 'unknown_user' | 'no_password' | 'bad_password' | 'inactive' | 'unverified' | 'mfa_required';

export interface AuthServiceDeps {
  repos: Pick<Repos, 'users'>;
  hasher: PasswordHasher;
  sessions: SessionService;
  requireVerified: boolean;
  audit: AuditRecorder;
  /** Opens the second step of a login (core/mfa/second-step.ts). */
  secondStep?: { challenge(user: UserRecord, opts: { backend: string; scope?: string[] }, ctx?: ClientContext): Promise<MfaChallenge> };
}

/** A login's options: the session's (scope, profile, client, method) plus where a second step would resume. */
export interface LoginOptions extends StartSessionOptions {
  /**
   * Where a second step would resume (the users face's backend, `jwt` or `cookie`, or the pages'). A
   * face that cannot carry a second step leaves it out: a user with a second factor is then refused.
   */
  secondStep?: string;
}

/** Password login, shared by every face. */
export function createAuthService(deps: AuthServiceDeps) {
  const { repos, hasher, sessions, audit } = deps;

  /** Records the failure (every path writes one event: no timing difference) and returns the error to throw. */
  async function failed(user: UserRecord | undefined, reason: LoginFailure, err: Error, client?: ClientContext): Promise<Error> {
    await audit.record({ type: 'login.failed', userId: user?.id ?? null, detail: { reason } }, client);
    return err;
  }

  /**
   * The user whose login and password these are. Every path costs one hash
   * verification, so response time does not reveal whether an account exists.
   * Failures are recorded as login.failed (with the user when the login names one).
   */
  async function authenticate(login: string, password: string, client?: ClientContext): Promise<UserRecord> {
    const pw = normalizePassword(password);
    const user = await repos.users.findByLogin(login);
    if (!user || user.passwordHash === null) {
      await hasher.burn(pw);
      throw await failed(user, user ? 'no_password' : 'unknown_user', new InvalidCredentials(), client);
    }
    const ok = await hasher.verify(user.passwordHash, pw);
    if (!ok) throw await failed(user, 'bad_password', new InvalidCredentials(), client);
    // Only a caller who knows the password learns that the account is deactivated.
    if (!user.isActive) throw await failed(user, 'inactive', new AccountInactive(), client);
    if (deps.requireVerified && !user.isVerified) throw await failed(user, 'unverified', new UserNotVerified(), client);
    if (hasher.needsRehash(user.passwordHash)) {
      // Imported (bcrypt, scrypt) or weaker hashes move to current argon2id parameters; a
      // compare-and-swap, so a password changed while this login ran is never overwritten.
      await repos.users.replacePasswordHash(user.id, user.passwordHash, await hasher.hash(pw));
    }
    return user;
  }

  return {
    authenticate,

    /**
     * Checks the password and opens a session: the one `login` every face calls. A user with a
     * second factor (read with the same row, no extra query) gets MfaRequired instead, only once the
     * password is known right; it carries the challenge when the face asked for a second step.
     */
    async login(login: string, password: string, opts: LoginOptions = {}): Promise<{ user: UserRecord; tokens: TokenSet }> {
      const { secondStep, ...sessionOpts } = opts;
      const user = await authenticate(login, password, opts.client);
      if (user.mfaEnabled) {
        // A face without a second step refuses it: a failure on record, with the password known right.
        if (secondStep === undefined || !deps.secondStep) throw await failed(user, 'mfa_required', new MfaRequired(), opts.client);
        throw new MfaRequired(await deps.secondStep.challenge(user, { backend: secondStep, ...(opts.scope ? { scope: opts.scope } : {}) }, opts.client));
      }
      return { user, tokens: await sessions.startSession(user, sessionOpts) };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
