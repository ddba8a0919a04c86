import { randomUUID } from 'node:crypto';
import type { PasswordHasher } from '../crypto/password-hasher.js';
import type { Repos, UserListQuery, UserPatch, UserRecord } from '../store/repos/index.js';
import { normalizeLogin } from '../store/repos/index.js';
import { UniqueViolation } from '../store/unique-violation.js';
import { FreshTokenRequired, InvalidIdentifier, UserAlreadyExists, UserNotFound, WrongPassword } from './errors.js';
import { normalizePassword, type PasswordPolicy } from './password-policy.js';
import type { Principal, SessionService } from './sessions.js';

/** How logins are compared (case- and width-insensitive); faces key rate limits by it. */
export { normalizeLogin };

export interface NewUser {
  email?: string | null;
  username?: string | null;
  /** null makes an account with no usable password (social sign-up). */
  password: string | null;
  isActive?: boolean;
  isSuperuser?: boolean;
  isVerified?: boolean;
  scopes?: string[];
}

export interface UserChanges {
  email?: string;
  username?: string | null;
  password?: string;
  isActive?: boolean;
  isSuperuser?: boolean;
  isVerified?: boolean;
  scopes?: string[];
}

export interface UserServiceDeps {
  repos: Pick<Repos, 'users' | 'purposeTokens'>;
  hasher: PasswordHasher;
  policy: PasswordPolicy;
  sessions: SessionService;
  now?: () => number;
}

/** Runs a write, turning a unique-index hit into UserAlreadyExists. */
async function unique<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof UniqueViolation) throw new UserAlreadyExists(err.field === 'username' ? 'username' : 'email');
    throw err;
  }
}

export function createUserService(deps: UserServiceDeps) {
  const { repos, hasher, policy, sessions } = deps;
  const now = deps.now ?? Date.now;

  async function get(id: string): Promise<UserRecord> {
    const user = await repos.users.findById(id);
    if (!user) throw new UserNotFound();
    return user;
  }

  return {
    get,

    /**
     * The user an authenticated request speaks for. Changes made on this
     * instance show at once; another instance's within the revocation poll
     * interval, the bound that already applies to its ended sessions.
     */
    async current(id: string): Promise<UserRecord> {
      const user = await repos.users.findByIdCached(id);
      if (!user) throw new UserNotFound();
      return user;
    },

    /** current() when it can answer without waiting; undefined when it would read the database. */
    currentCached: (id: string): UserRecord | undefined => repos.users.peekCached(id),
    list: (q: UserListQuery) => repos.users.list(q),
    findByEmail: (email: string) => repos.users.findByEmail(email),

    /** Creates a user; privileged flags are the caller's responsibility (faces pass them only for admins). */
    async create(input: NewUser): Promise<UserRecord> {
      const password = input.password === null ? null : policy.check(input.password, input);
      const at = now();
      return unique(async () => repos.users.insert({
        id: randomUUID(), email: input.email ?? null, username: input.username ?? null,
        // Checked and hashed before the insert so a rejected password never creates a user.
        passwordHash: password === null ? null : await hasher.hash(password),
        isActive: input.isActive ?? true, isSuperuser: input.isSuperuser ?? false, isVerified: input.isVerified ?? false,
        scopes: input.scopes ?? [], createdAt: at, updatedAt: at,
      }));
    },

    /**
     * Applies changes. A user changing their own password or email needs a
     * fresh token or the right old password; password changes end the
     * user's other sessions (all of them when an admin does it), and so does
     * deactivation.
     */
    async update(id: string, changes: UserChanges, ctx: { actor: Principal; asAdmin: boolean; oldPassword?: string }): Promise<UserRecord> {
      const user = await get(id);
      const patch: UserPatch = {};
      const emailChanged = changes.email !== undefined && (user.email === null || normalizeLogin(changes.email) !== normalizeLogin(user.email));
      if (!ctx.asAdmin && ctx.oldPassword !== undefined) {
        // Normalised as at login, so a password typed on another keyboard still matches.
        const ok = user.passwordHash !== null && (await hasher.verify(user.passwordHash, normalizePassword(ctx.oldPassword)));
        if (!ok) throw new WrongPassword();
      } else if (!ctx.asAdmin && (changes.password !== undefined || emailChanged) && !ctx.actor.fresh) {
        throw new FreshTokenRequired();
      }
      if (changes.email !== undefined) patch.email = changes.email;
      if (emailChanged) patch.isVerified = false;
      if (changes.username !== undefined) patch.username = changes.username;
      // Every path (users face, admin, other faces) leaves the user something to log in with.
      const email = patch.email === undefined ? user.email : patch.email;
      const username = patch.username === undefined ? user.username : patch.username;
      if ((patch.email !== undefined || patch.username !== undefined) && !email && !username) throw new InvalidIdentifier();
      if (changes.password !== undefined) {
        const identity = { email: changes.email ?? user.email, username: changes.username === undefined ? user.username : changes.username };
        patch.passwordHash = await hasher.hash(policy.check(changes.password, identity));
      }
      if (ctx.asAdmin) {
        for (const k of ['isActive', 'isSuperuser', 'isVerified', 'scopes'] as const) {
          if (changes[k] !== undefined) (patch as Record<string, unknown>)[k] = changes[k];
        }
      }
      if (Object.keys(patch).length === 0) return user;
      patch.updatedAt = now();
      const updated = await unique(() => repos.users.update(id, patch));
      if (!updated) throw new UserNotFound();
      if (emailChanged) await repos.purposeTokens.deleteForUser(id, 'verify');
      if (patch.passwordHash !== undefined) {
        await repos.purposeTokens.deleteForUser(id, 'reset');
        await sessions.endUserSessions(id, ctx.asAdmin ? undefined : ctx.actor.sid);
      }
      if (patch.isActive === false) await sessions.endUserSessions(id);
      return updated;
    },

    /**
     * A user closing their own account where the record is kept (ipseity's
     * delete): deactivated, every session ended. Goes through update(), so any
     * rule on deactivation applies here too.
     */
    async deactivate(id: string, actor: Principal): Promise<void> {
      await this.update(id, { isActive: false }, { actor, asAdmin: true });
    },

    /** Deletes a user after ending its sessions, so its live access tokens stop working at once. */
    async delete(id: string): Promise<void> {
      await get(id);
      await sessions.endUserSessions(id);
      if (!(await repos.users.delete(id))) throw new UserNotFound();
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
