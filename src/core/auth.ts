import type { PasswordHasher } from '../crypto/password-hasher.js';
import type { ProfileName } from '../crypto/token-profiles.js';
import type { Repos, UserRecord } from '../store/repos/index.js';
import { AccountInactive, InvalidCredentials, UserNotVerified } from './errors.js';
import { normalizePassword } from './password-policy.js';
import type { SessionService, TokenSet } from './sessions.js';

export interface AuthServiceDeps {
  repos: Pick<Repos, 'users'>;
  hasher: PasswordHasher;
  sessions: SessionService;
  requireVerified: boolean;
}

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

    /** Checks the password and opens a session: the one `login` every face calls. */
    async login(login: string, password: string, opts: { scope?: string[]; rotating?: boolean; profile?: ProfileName } = {}): Promise<{ user: UserRecord; tokens: TokenSet }> {
      const user = await authenticate(login, password);
      return { user, tokens: await sessions.startSession(user, opts) };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
