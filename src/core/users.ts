import { randomUUID } from 'node:crypto';
import type { PasswordHasher } from '../crypto/password-hasher.js';
import type { Repos, TxRepos, UserListQuery, UserPatch, UserRecord } from '../store/repos/index.js';
import { normalizeLogin } from '../store/repos/index.js';
import { UniqueViolation } from '../store/unique-violation.js';
import type { AuditLog, ClientContext } from './audit.js';
import { recordUserUpdate } from './user-events.js';
import { FreshTokenRequired, InvalidIdentifier, LastSuperuser, UserAlreadyExists, UserNotFound, WrongPassword } from './errors.js';
import { normalizePassword, type PasswordPolicy } from './password-policy.js';
import type { Principal, SessionService } from './sessions.js';
import { unitOfWork } from './unit-of-work.js';
import { prepareUsername } from './username-rule.js';

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
  firstName?: string | null;
  lastName?: string | null;
  /** Role names; names no role has are ignored (as wisdom does). */
  roles?: string[];
}

export interface UserChanges {
  email?: string;
  username?: string | null;
  password?: string;
  isActive?: boolean;
  isSuperuser?: boolean;
  isVerified?: boolean;
  scopes?: string[];
  firstName?: string | null;
  lastName?: string | null;
}

/** What an admin may change through updateAccount: UserChanges plus the user's roles (by name). */
export interface AccountChanges extends UserChanges {
  roles?: string[];
}

export interface UserServiceDeps {
  repos: Pick<Repos, 'users' | 'purposeTokens' | 'roles' | 'transaction'>;
  hasher: PasswordHasher;
  policy: PasswordPolicy;
  sessions: SessionService;
  /** Each change's events are written in its transaction (core/unit-of-work.ts). */
  audit: Pick<AuditLog, 'prepare'>;
  now?: () => number;
}

/** How a user came to be: self-registration (user.registered) or someone else's act (user.created), and from where. */
export interface CreateContext {
  client?: ClientContext;
  selfService?: boolean;
  /** Extra non-secret detail for the event (e.g. the social-login provider). */
  detail?: Record<string, unknown>;
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
  const { repos, hasher, policy, sessions, audit } = deps;
  const now = deps.now ?? Date.now;
  const transact = unitOfWork(repos, audit);

  async function get(id: string): Promise<UserRecord> {
    const user = await repos.users.findById(id);
    if (!user) throw new UserNotFound();
    return user;
  }

  /** Refuses to take away the last active superuser: nobody could administer the server after. */
  async function keepASuperuser(user: UserRecord): Promise<void> {
    if (user.isSuperuser && user.isActive && (await repos.users.countActiveSuperusers(2)) < 2) throw new LastSuperuser();
  }

  /** Every path that sets a username goes through the PRECIS rule (username-rule.ts). */
  const username = (name: string | null | undefined) => (typeof name === 'string' ? prepareUsername(name) : name);

  /** Gives the user exactly the roles of these names (unknown names are skipped) and returns the fresh record. */
  async function assignRoles(tx: TxRepos, id: string, names: string[]): Promise<UserRecord> {
    const wanted = new Set(names);
    const ids = (await tx.roles.listRoles()).filter((r) => wanted.has(r.name)).map((r) => r.id);
    await tx.users.setRoles(id, ids);
    const user = await tx.users.findById(id);
    if (!user) throw new UserNotFound();
    return user;
  }

  return {
    get,

    /** The user with this integer account number (wisdom's account id). */
    async getByAccountNumber(n: number): Promise<UserRecord> {
      const user = await repos.users.findByAccountNumber(n);
      if (!user) throw new UserNotFound();
      return user;
    },

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
    /** The user a login (email or username) names, as login itself finds it. */
    findByLogin: (login: string) => repos.users.findByLogin(login),

    /** Self-registration on any face: create() with a user.registered event. */
    register(input: NewUser, client?: ClientContext): Promise<UserRecord> {
      return this.create(input, { ...(client ? { client } : {}), selfService: true });
    },

    /** Creates a user; privileged flags are the caller's responsibility (faces pass them only for admins). */
    async create(input: NewUser, ctx: CreateContext = {}): Promise<UserRecord> {
      const name = username(input.username) ?? null;
      const password = input.password === null ? null : policy.check(input.password, { ...input, username: name });
      // Checked and hashed before the insert (and its transaction) so a rejected password never creates a user.
      const passwordHash = password === null ? null : await hasher.hash(password);
      const at = now();
      return transact(async (work) => {
        const user = await unique(() => work.repos.users.insert({
          id: randomUUID(), email: input.email ?? null, username: name, passwordHash,
          isActive: input.isActive ?? true, isSuperuser: input.isSuperuser ?? false, isVerified: input.isVerified ?? false,
          scopes: input.scopes ?? [], createdAt: at, updatedAt: at, firstName: input.firstName ?? null, lastName: input.lastName ?? null,
        }));
        const created = input.roles?.length ? await assignRoles(work.repos, user.id, input.roles) : user;
        const detail = ctx.selfService ? { ...ctx.detail }
          : { is_active: created.isActive, is_superuser: created.isSuperuser, is_verified: created.isVerified, scopes: created.scopes, ...ctx.detail };
        await work.record({ type: ctx.selfService ? 'user.registered' : 'user.created', userId: created.id, detail }, ctx.client);
        return created;
      });
    },

    /**
     * Applies changes. A user changing their own password or email needs a
     * fresh token or the right old password; password changes end the
     * user's other sessions (all of them when an admin does it), and so does
     * deactivation.
     */
    async update(id: string, changes: UserChanges, ctx: { actor: Principal; asAdmin: boolean; oldPassword?: string; client?: ClientContext }): Promise<UserRecord> {
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
      if (changes.username !== undefined) patch.username = username(changes.username) ?? null;
      // Every path (users face, admin, other faces) leaves the user something to log in with.
      const nextEmail = patch.email === undefined ? user.email : patch.email;
      const nextUsername = patch.username === undefined ? user.username : patch.username;
      if ((patch.email !== undefined || patch.username !== undefined) && !nextEmail && !nextUsername) throw new InvalidIdentifier();
      if (changes.firstName !== undefined) patch.firstName = changes.firstName;
      if (changes.lastName !== undefined) patch.lastName = changes.lastName;
      if (changes.password !== undefined) {
        const identity = { email: changes.email ?? user.email, username: nextUsername };
        patch.passwordHash = await hasher.hash(policy.check(changes.password, identity));
      }
      if (ctx.asAdmin) {
        for (const k of ['isActive', 'isSuperuser', 'isVerified', 'scopes'] as const) {
          if (changes[k] !== undefined) (patch as Record<string, unknown>)[k] = changes[k];
        }
      }
      if (Object.keys(patch).length === 0) return user;
      if (patch.isSuperuser === false || patch.isActive === false) await keepASuperuser(user);
      patch.updatedAt = now();
      // The change, what it kills (tokens, sessions) and its events: one transaction.
      return transact(async (work) => {
        const updated = await unique(() => work.repos.users.update(id, patch));
        if (!updated) throw new UserNotFound();
        if (emailChanged) {
          // Tokens mailed to the old address must not act on the account any more.
          await work.repos.purposeTokens.deleteForUser(id, 'verify');
          await work.repos.purposeTokens.deleteForUser(id, 'reset');
        }
        let ended = 0;
        if (patch.passwordHash !== undefined) {
          await work.repos.purposeTokens.deleteForUser(id, 'reset');
          ended += await sessions.endUserSessionsIn(work, id, ctx.asAdmin ? undefined : ctx.actor.sid);
        }
        if (patch.isActive === false) ended += await sessions.endUserSessionsIn(work, id);
        await recordUserUpdate(work, user, updated, { emailChanged, passwordChanged: patch.passwordHash !== undefined, ended }, { ...ctx.client, actorId: ctx.client?.actorId ?? ctx.actor.userId });
        return updated;
      });
    },

    /**
     * A user closing their own account where the record is kept (ipseity's
     * delete): deactivated, every session ended. Goes through update(), so any
     * rule on deactivation applies here too.
     */
    async deactivate(id: string, actor: Principal, client?: ClientContext): Promise<void> {
      await this.update(id, { isActive: false }, { actor, asAdmin: true, ...(client ? { client } : {}) });
    },

    /**
     * update() by an admin, then the user's roles when given (unknown names are skipped),
     * then, when asked (wisdom's admin update logs the user out whatever it changed), the end
     * of every session of the user.
     */
    async updateAccount(id: string, changes: AccountChanges, ctx: { actor: Principal; endSessions?: boolean; client?: ClientContext }): Promise<UserRecord> {
      const client = { ...ctx.client, actorId: ctx.client?.actorId ?? ctx.actor.userId };
      let updated = await this.update(id, changes, { actor: ctx.actor, asAdmin: true, client });
      if (changes.roles !== undefined) {
        const roles = changes.roles;
        updated = await transact(async (work) => {
          const assigned = await assignRoles(work.repos, id, roles);
          await work.record({ type: 'user.updated', userId: id, detail: { fields: ['roles'], values: { roles } } }, client);
          return assigned;
        });
      }
      if (ctx.endSessions) await sessions.endUserSessions(id, undefined, { reason: 'admin', client });
      return updated;
    },

    /** Deletes a user after ending its sessions, so its live access tokens stop working at once. */
    async delete(id: string, client?: ClientContext): Promise<void> {
      await keepASuperuser(await get(id));
      await transact(async (work) => {
        // Retired first: a login whose password check ran before this cannot open a session after it.
        if (!(await work.repos.users.retireCredentials(id))) throw new UserNotFound();
        const ended = await sessions.endUserSessionsIn(work, id);
        if (!(await work.repos.users.delete(id))) throw new UserNotFound();
        await work.record({ type: 'user.deleted', userId: id, detail: { sessions_ended: ended } }, client);
      });
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
