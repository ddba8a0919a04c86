import { sql } from 'kysely';
import type { Db } from '../create-db.js';
import { dialectOf } from '../dialect.js';
import type { UsersTable } from '../tables.js';
import { rethrowUnique } from '../unique-violation.js';
import { usernameSkeleton } from '../username-skeleton.js';
import { inTransaction } from '../transaction.js';
import { precompile } from './precompiled.js';

export interface UserRecord {
  id: string;
  email: string | null;
  username: string | null;
  passwordHash: string | null;
  isActive: boolean;
  isSuperuser: boolean;
  isVerified: boolean;
  scopes: string[];
  createdAt: number;
  updatedAt: number;
  /**
   * Moves with every password change, deactivation and deletion (never by a plain rehash): a
   * session is opened only while the version read at its password check is still current.
   */
  credentialsVersion: number;
  /** Integer account number (wisdom's account id): unique, never reused. */
  accountNumber: number;
  firstName: string | null;
  lastName: string | null;
  /** Names of the user's roles, in role-id order. */
  roles: string[];
  /** The scope values the user holds through its roles (read with the row: no extra query per token check). */
  roleScopes: string[];
  /** True while the user has a second factor (core/mfa keeps it): login asks for it without another query. */
  mfaEnabled: boolean;
}

/**
 * What insert takes: its credentials version starts at 0; the account number is handed out
 * unless given (an import keeps its ids).
 */
export type NewUserRecord = Omit<UserRecord, 'credentialsVersion' | 'accountNumber' | 'firstName' | 'lastName' | 'roles' | 'roleScopes' | 'mfaEnabled'>
  & Partial<Pick<UserRecord, 'accountNumber' | 'firstName' | 'lastName'>>;

/** Roles are changed through setRoles; the number never changes. */
export type UserPatch = Partial<Omit<UserRecord, 'id' | 'createdAt' | 'credentialsVersion' | 'accountNumber' | 'roles' | 'roleScopes' | 'mfaEnabled'>>;

export interface UserListQuery {
  limit: number;
  offset: number;
  q?: string;
}

/** Lower-cased, NFKC-folded key used for case-insensitive uniqueness of emails and usernames. */
export const normalizeLogin = (s: string): string => s.normalize('NFKC').trim().toLowerCase();

type UserRow = Omit<UsersTable, 'seq' | 'username_skeleton' | 'credentials_version' | 'mfa_enabled'> & { credentials_version: number; mfa_enabled: number; role_names: string; role_scopes: string };

const toRecord = (r: UserRow): UserRecord => ({
  id: r.id,
  email: r.email,
  username: r.username,
  passwordHash: r.password_hash,
  isActive: r.is_active === 1,
  isSuperuser: r.is_superuser === 1,
  isVerified: r.is_verified === 1,
  scopes: JSON.parse(r.scopes) as string[],
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  credentialsVersion: Number(r.credentials_version),
  accountNumber: Number(r.account_number),
  firstName: r.first_name,
  lastName: r.last_name,
  roles: JSON.parse(r.role_names) as string[],
  roleScopes: JSON.parse(r.role_scopes) as string[],
  mfaEnabled: Number(r.mfa_enabled) === 1,
});

function toRow(p: UserPatch): Partial<Omit<UsersTable, 'seq' | 'credentials_version' | 'mfa_enabled'>> {
  const row: Partial<Omit<UsersTable, 'seq' | 'credentials_version' | 'mfa_enabled'>> = {};
  if (p.email !== undefined) { row.email = p.email; row.email_normalized = p.email === null ? null : normalizeLogin(p.email); }
  if (p.username !== undefined) {
    row.username = p.username;
    row.username_normalized = p.username === null ? null : normalizeLogin(p.username);
    row.username_skeleton = p.username === null ? null : usernameSkeleton(p.username);
  }
  if (p.passwordHash !== undefined) row.password_hash = p.passwordHash;
  if (p.isActive !== undefined) row.is_active = p.isActive ? 1 : 0;
  if (p.isSuperuser !== undefined) row.is_superuser = p.isSuperuser ? 1 : 0;
  if (p.isVerified !== undefined) row.is_verified = p.isVerified ? 1 : 0;
  if (p.scopes !== undefined) row.scopes = JSON.stringify(p.scopes);
  if (p.firstName !== undefined) row.first_name = p.firstName;
  if (p.lastName !== undefined) row.last_name = p.lastName;
  if (p.updatedAt !== undefined) row.updated_at = p.updatedAt;
  return row;
}

const COLUMNS = ['id', 'email', 'email_normalized', 'username', 'username_normalized', 'password_hash',
  'is_active', 'is_superuser', 'is_verified', 'scopes', 'created_at', 'updated_at', 'credentials_version', 'account_number', 'first_name', 'last_name', 'mfa_enabled'] as const;

/**
 * The user's role names and the scopes its roles grant, as JSON arrays (text), computed in the
 * row's own query: every read of a user, the per-request one included, carries them.
 */
function roleColumns(db: Db) {
  const scopesOf = sql`select distinct sd.value as v from user_roles ur join role_scopes rs on rs.role_id = ur.role_id
    join scope_definitions sd on sd.id = rs.scope_id where ur.user_id = users.id`;
  const namesOf = sql`from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = users.id`;
  if (dialectOf(db) === 'postgres') {
    return [
      sql<string>`(select coalesce(json_agg(r.name order by r.id), '[]'::json)::text ${namesOf})`.as('role_names'),
      sql<string>`(select coalesce(json_agg(x.v order by x.v), '[]'::json)::text from (${scopesOf}) x)`.as('role_scopes'),
    ];
  }
  return [
    sql<string>`(select json_group_array(name) from (select r.name ${namesOf} order by r.id))`.as('role_names'),
    sql<string>`(select json_group_array(v) from (${scopesOf} order by v))`.as('role_scopes'),
  ];
}

/** Escapes LIKE wildcards so a search for "a_b%" matches those characters literally. */
const likePattern = (q: string) => `%${normalizeLogin(q).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function createUsersRepo(db: Db) {
  const ROLES = roleColumns(db);
  const users = () => db.selectFrom('users').select(COLUMNS).select(ROLES);
  // Read on every authenticated request (guards, introspection, refresh): compiled once.
  const byId = precompile(db, 1, (id: string) => users().where('id', '=', id));
  const byLogin = precompile(db, 1, (key: string) => users()
    .where((eb) => eb.or([eb('email_normalized', '=', key), eb('username_normalized', '=', key)])));

  /** The next account number, atomically (one row update); a failed insert leaves a gap, never a duplicate. */
  async function nextAccountNumber(): Promise<number> {
    const r = await db.updateTable('counters').set((eb) => ({ value: eb('value', '+', 1) }))
      .where('name', '=', 'account_number').returning('value').executeTakeFirstOrThrow();
    return Number(r.value);
  }

  /** A number given from outside (an import): the counter moves past it first, so it is never handed out again. */
  async function reserveAccountNumber(n: number): Promise<number> {
    await db.updateTable('counters').set({ value: sql<number>`case when value < ${n} then ${n} else value end` })
      .where('name', '=', 'account_number').execute();
    return n;
  }

  return {
    async insert(u: NewUserRecord): Promise<UserRecord> {
      const accountNumber = u.accountNumber === undefined ? await nextAccountNumber() : await reserveAccountNumber(u.accountNumber);
      const record: UserRecord = { firstName: null, lastName: null, ...u, accountNumber, roles: [], roleScopes: [], credentialsVersion: 0, mfaEnabled: false };
      const row = { ...toRow(record), id: u.id, created_at: u.createdAt, updated_at: u.updatedAt, account_number: accountNumber } as Omit<UsersTable, 'seq' | 'credentials_version' | 'mfa_enabled'>;
      try {
        await db.insertInto('users').values(row).execute();
      } catch (err) {
        rethrowUnique(err);
      }
      return record;
    },

    async findByAccountNumber(n: number): Promise<UserRecord | undefined> {
      const r = await users().where('account_number', '=', n).executeTakeFirst();
      return r && toRecord(r);
    },

    /** Replaces the user's roles (by role id) in one transaction. */
    async setRoles(id: string, roleIds: number[]): Promise<void> {
      await inTransaction(db, async (trx) => {
        await trx.deleteFrom('user_roles').where('user_id', '=', id).execute();
        if (roleIds.length > 0) await trx.insertInto('user_roles').values([...new Set(roleIds)].map((role_id) => ({ user_id: id, role_id }))).execute();
      });
    },

    async findById(id: string): Promise<UserRecord | undefined> {
      const r = (await byId(id)).rows[0];
      return r && toRecord(r);
    },

    async findByEmail(email: string): Promise<UserRecord | undefined> {
      const r = await users().where('email_normalized', '=', normalizeLogin(email)).executeTakeFirst();
      return r && toRecord(r);
    },

    /** Login accepts an email or a username; an email match wins over a username match. */
    async findByLogin(login: string): Promise<UserRecord | undefined> {
      const key = normalizeLogin(login);
      const { rows } = await byLogin(key);
      const r = rows.find((x) => x.email_normalized === key) ?? rows[0];
      return r && toRecord(r);
    },

    /**
     * Applies a patch. A new password hash or a deactivation also moves the credentials version in
     * the same statement, whoever writes it (core, the command line, a test).
     */
    async update(id: string, patch: UserPatch): Promise<UserRecord | undefined> {
      const row = toRow(patch);
      if (Object.keys(row).length > 0) {
        const retires = patch.passwordHash !== undefined || patch.isActive === false;
        try {
          await db.updateTable('users').set(row)
            .$if(retires, (q) => q.set((eb) => ({ credentials_version: eb('credentials_version', '+', 1) })))
            .where('id', '=', id).execute();
        } catch (err) {
          rethrowUnique(err);
        }
      }
      return this.findById(id);
    },

    /**
     * Swaps the password hash only if it is still `expected`: a rehash at login
     * never overwrites a password changed meanwhile. True when it swapped.
     */
    async replacePasswordHash(id: string, expected: string, next: string): Promise<boolean> {
      const res = await db.updateTable('users').set({ password_hash: next })
        .where('id', '=', id).where('password_hash', '=', expected).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    /** Sets the second-factor flag (core/mfa syncSecondFactor is its one writer). */
    async setMfaEnabled(id: string, on: boolean): Promise<void> {
      await db.updateTable('users').set({ mfa_enabled: on ? 1 : 0 }).where('id', '=', id).execute();
    },

    /** Moves the credentials version alone (before a deletion): sessions can no longer open. True when the user exists. */
    async retireCredentials(id: string): Promise<boolean> {
      const res = await db.updateTable('users').set((eb) => ({ credentials_version: eb('credentials_version', '+', 1) }))
        .where('id', '=', id).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    async delete(id: string): Promise<boolean> {
      const res = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },

    async list(query: UserListQuery): Promise<{ items: UserRecord[]; total: number }> {
      let base = db.selectFrom('users');
      if (query.q) {
        const pattern = likePattern(query.q);
        base = base.where((eb) => eb.or([
          eb('email_normalized', 'like', sql<string>`${pattern} escape '\\'`),
          eb('username_normalized', 'like', sql<string>`${pattern} escape '\\'`),
        ]));
      }
      const [rows, count] = await Promise.all([
        base.select(COLUMNS).select(ROLES).orderBy('seq').limit(query.limit).offset(query.offset).execute(),
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { items: rows.map(toRecord), total: Number(count.n) };
    },

    /** Active superusers, at most `limit` of them counted (callers only ask "is there another one?"). */
    async countActiveSuperusers(limit = 2): Promise<number> {
      const rows = await db.selectFrom('users').select('id').where('is_superuser', '=', 1).where('is_active', '=', 1).limit(limit).execute();
      return rows.length;
    },

    /** Whether any superuser exists, active or not. */
    async hasSuperuser(): Promise<boolean> {
      return (await db.selectFrom('users').select('id').where('is_superuser', '=', 1).limit(1).executeTakeFirst()) !== undefined;
    },

    async count(): Promise<number> {
      const r = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
