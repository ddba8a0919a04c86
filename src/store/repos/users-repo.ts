import { sql } from 'kysely';
import type { Db } from '../create-db.js';
import type { UsersTable } from '../tables.js';
import { rethrowUnique } from '../unique-violation.js';
import { usernameSkeleton } from '../username-skeleton.js';
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
}

/** What a new user is stored with; its credentials version starts at 0. */
export type NewUserRecord = Omit<UserRecord, 'credentialsVersion'>;

export type UserPatch = Partial<Omit<UserRecord, 'id' | 'createdAt' | 'credentialsVersion'>>;

export interface UserListQuery {
  limit: number;
  offset: number;
  q?: string;
}

/** Lower-cased, NFKC-folded key used for case-insensitive uniqueness of emails and usernames. */
export const normalizeLogin = (s: string): string => s.normalize('NFKC').trim().toLowerCase();

const toRecord = (r: Omit<UsersTable, 'seq' | 'username_skeleton' | 'credentials_version'> & { credentials_version: number }): UserRecord => ({
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
});

function toRow(p: UserPatch): Partial<Omit<UsersTable, 'seq' | 'credentials_version'>> {
  const row: Partial<Omit<UsersTable, 'seq' | 'credentials_version'>> = {};
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
  if (p.updatedAt !== undefined) row.updated_at = p.updatedAt;
  return row;
}

const COLUMNS = ['id', 'email', 'email_normalized', 'username', 'username_normalized', 'password_hash',
  'is_active', 'is_superuser', 'is_verified', 'scopes', 'created_at', 'updated_at', 'credentials_version'] as const;

/** Escapes LIKE wildcards so a search for "a_b%" matches those characters literally. */
const likePattern = (q: string) => `%${normalizeLogin(q).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function createUsersRepo(db: Db) {
  // Read on every authenticated request (guards, introspection, refresh): compiled once.
  const byId = precompile(db, 1, (id: string) => db.selectFrom('users').select(COLUMNS).where('id', '=', id));
  const byLogin = precompile(db, 1, (key: string) => db.selectFrom('users').select(COLUMNS)
    .where((eb) => eb.or([eb('email_normalized', '=', key), eb('username_normalized', '=', key)])));
  return {
    async insert(u: NewUserRecord): Promise<UserRecord> {
      const row = { ...toRow(u), id: u.id, created_at: u.createdAt, updated_at: u.updatedAt } as Omit<UsersTable, 'seq' | 'credentials_version'>;
      try {
        await db.insertInto('users').values(row).execute();
      } catch (err) {
        rethrowUnique(err);
      }
      return { ...u, credentialsVersion: 0 };
    },

    async findById(id: string): Promise<UserRecord | undefined> {
      const r = (await byId(id)).rows[0];
      return r && toRecord(r);
    },

    async findByEmail(email: string): Promise<UserRecord | undefined> {
      const r = await db.selectFrom('users').select(COLUMNS).where('email_normalized', '=', normalizeLogin(email)).executeTakeFirst();
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
        base.select(COLUMNS).orderBy('seq').limit(query.limit).offset(query.offset).execute(),
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
