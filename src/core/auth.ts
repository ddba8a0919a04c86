import type { PasswordHasher } from '../crypto/password-hasher.js';
import type { ProfileName } from '../crypto/token-profiles.js';
import type { Repos, UserRecord } from '../store/repos/index.js';
import { AccountInactive, InvalidCredentials, MfaRequired, UserNotVerified, type MfaChallenge } from './errors.js';
import { normalizePassword } from './password-policy.js';
import type { SessionService, TokenSet } from './sessions.js';

export interface AuthServiceDeps {
  repos: Pick<Repos, 'users'>;
  hasher: PasswordHasher;
  sessions: SessionService;
  requireVerified: boolean;
  /** Opens the second step of a login (core/mfa/second-step.ts). */
  secondStep?: { challenge(user: UserRecord, opts: { backend: string; scope?: string[] }, ctx?: LoginClient): Promise<MfaChallenge> };
}

export interface LoginOptions {
  scope?: string[];
  rotating?: boolean;
  profile?: ProfileName;
  /**
   * Where a second step would resume (the users face's backend, `jwt` or `cookie`). A face that
   * cannot carry a second step leaves it out: a user with a second factor is then refused.
   */
  secondStep?: string;
  /** Who/where the login came from (audit); handed on to the session. */
  client?: LoginClient;
}

/** The audit module's ClientContext, structurally. */
export interface LoginClient { face?: string; ip?: string | null; userAgent?: string | null; actorId?: string | null }

/** Password login, shared by every face. */
export function createAuthService(deps: AuthServiceDeps) {
  const { repos, hasher, sessions } = deps;

  /**
   * The user whose login and password these are. Every path costs one hash
   * verification, so response time does not reveal whether an account exists.
   */
  async function authenticate(login: string, password: string): Promise<UserRecord> {
    const pw = normalizePassword(password);
    const user = await repos.users.findByLogin(login);
    if (!user || user.passwordHash === null) {
      await hasher.burn(pw);
      throw new InvalidCredentials();
    }
    const ok = await hasher.verify(user.passwordHash, pw);
    if (!ok) throw new InvalidCredentials();
    // Only a caller who knows the password learns that the account is deactivated.
    if (!user.isActive) throw new AccountInactive();
    if (deps.requireVerified && !user.isVerified) throw new UserNotVerified();
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
      const user = await authenticate(login, password);
      if (user.mfaEnabled) {
        if (secondStep === undefined || !deps.secondStep) throw new MfaRequired();
        throw new MfaRequired(await deps.secondStep.challenge(user, { backend: secondStep, ...(opts.scope ? { scope: opts.scope } : {}) }, opts.client));
      }
      return { user, tokens: await sessions.startSession(user, sessionOpts) };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
