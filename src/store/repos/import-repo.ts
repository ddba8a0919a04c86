import type { ControlledTransaction, Kysely } from 'kysely';
import type { Db } from '../create-db.js';
import type { Database, OAuthAccountsTable, UsersTable } from '../tables.js';
import { UniqueViolation, rethrowUnique } from '../unique-violation.js';
import { usernameSkeleton } from '../username-skeleton.js';
import { sql } from 'kysely';
import { normalizeLogin, type NewUserRecord } from './users-repo.js';

/** A user to write whole: its row, its roles and its linked identities (tokens already sealed). */
export interface ImportRow {
  /** Without an account number, the next one is handed out (kept on an update). */
  user: NewUserRecord;
  /** Role names; a missing role is created (with no scopes). Undefined: the source knows no roles (kept on an update). */
  roles: string[] | undefined;
  oauthAccounts: Omit<OAuthAccountsTable, 'user_id'>[];
  /** A confirmed TOTP enrolment (sealed secret) and recovery-code hashes; replaces the user's. Undefined: kept. */
  mfa?: ImportMfa;
}

export interface ImportMfa {
  totp: { secretSealed: string; confirmedAt: number; lastStep: number | null };
  recoveryCodes: { hashes: string[]; createdAt: number } | null;
}

/** Replaces the user's TOTP and recovery codes and sets the second-factor flag (core/mfa's rule: confirmed TOTP). */
async function writeMfa(trx: Kysely<Database>, userId: string, m: ImportMfa): Promise<void> {
  await trx.deleteFrom('mfa_totp').where('user_id', '=', userId).execute();
  await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
  await trx.insertInto('mfa_totp').values({
    user_id: userId, secret_enc: m.totp.secretSealed, confirmed_at: m.totp.confirmedAt, pending_enc: null, pending_at: null, last_step: m.totp.lastStep,
  }).execute();
  const codes = m.recoveryCodes;
  if (codes && codes.hashes.length > 0) {
    await trx.insertInto('mfa_recovery_codes').values(codes.hashes.map((h) => ({ code_hash: h, user_id: userId, created_at: codes.createdAt }))).execute();
  }
  await trx.updateTable('users').set({ mfa_enabled: 1 }).where('id', '=', userId).execute();
}

export type SaveOutcome =
  | { status: 'imported' | 'updated' | 'skipped' }
  | { status: 'conflict'; field: 'email' | 'username' | 'account number' | 'linked account' | string };

/** Scope definitions and roles to create when missing (matched by value and by name). */
export interface ImportDefinitions {
  scopes: { name: string; description: string; value: string }[];
  roles: { name: string; description: string; scopeValues: string[] }[];
}

export interface ImportBatch {
  /** Creates the missing scope definitions and roles (existing ones are left as they are). */
  ensureDefinitions(defs: ImportDefinitions): Promise<{ scopesCreated: number; rolesCreated: number }>;
  /** Writes one user whole or not at all (a savepoint of the batch's transaction). */
  save(row: ImportRow, opts: { update: boolean }): Promise<SaveOutcome>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

const userRow = (u: NewUserRecord): Omit<UsersTable, 'seq' | 'account_number' | 'credentials_version' | 'mfa_enabled'> => ({
  id: u.id, email: u.email, email_normalized: u.email === null ? null : normalizeLogin(u.email),
  username: u.username, username_normalized: u.username === null ? null : normalizeLogin(u.username),
  username_skeleton: u.username === null ? null : usernameSkeleton(u.username),
  password_hash: u.passwordHash, is_active: u.isActive ? 1 : 0, is_superuser: u.isSuperuser ? 1 : 0,
  is_verified: u.isVerified ? 1 : 0, scopes: JSON.stringify(u.scopes), created_at: u.createdAt, updated_at: u.updatedAt,
  first_name: u.firstName ?? null, last_name: u.lastName ?? null,
});

type Trx = ControlledTransaction<Database>;

const NUMBER_BLOCK = 100;

/**
 * Account numbers for one batch: taken from users-repo's counter a block at a time (one write per
 * hundred users instead of one each; numbers of a block left unused are a gap, never a duplicate).
 * A number given by the source moves the counter past it and drops the block.
 */
function accountNumbers() {
  let next = 0;
  let last = -1;
  return async (trx: Kysely<Database>, given: number | undefined): Promise<number> => {
    if (given !== undefined) {
      await trx.updateTable('counters').set({ value: sql<number>`case when value < ${given} then ${given} else value end` })
        .where('name', '=', 'account_number').execute();
      last = -1;
      return given;
    }
    if (next > last) {
      const r = await trx.updateTable('counters').set((eb) => ({ value: eb('value', '+', NUMBER_BLOCK) }))
        .where('name', '=', 'account_number').returning('value').executeTakeFirstOrThrow();
      last = Number(r.value);
      next = last - NUMBER_BLOCK + 1;
    }
    return next++;
  };
}

/** Replaces the user's roles by name, creating the roles it names that do not exist yet. */
async function setRoles(trx: Kysely<Database>, userId: string, names: string[]): Promise<void> {
  await trx.deleteFrom('user_roles').where('user_id', '=', userId).execute();
  for (const name of new Set(names)) {
    let role = await trx.selectFrom('roles').select('id').where('name', '=', name).executeTakeFirst();
    role ??= await trx.insertInto('roles').values({ name, description: '' }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('user_roles').values({ user_id: userId, role_id: role.id }).execute();
  }
}

async function ensureDefinitions(trx: Kysely<Database>, defs: ImportDefinitions): Promise<{ scopesCreated: number; rolesCreated: number }> {
  let scopesCreated = 0;
  let rolesCreated = 0;
  for (const s of defs.scopes) {
    const found = await trx.selectFrom('scope_definitions').select('id').where('value', '=', s.value).executeTakeFirst();
    if (found) continue;
    // A name already used by another value keeps both apart by naming the value.
    const taken = await trx.selectFrom('scope_definitions').select('id').where('name', '=', s.name).executeTakeFirst();
    await trx.insertInto('scope_definitions').values({ name: taken ? `${s.name} (${s.value})` : s.name, description: s.description, value: s.value }).execute();
    scopesCreated++;
  }
  for (const r of defs.roles) {
    if (await trx.selectFrom('roles').select('id').where('name', '=', r.name).executeTakeFirst()) continue;
    const role = await trx.insertInto('roles').values({ name: r.name, description: r.description }).returning('id').executeTakeFirstOrThrow();
    const scopeIds = r.scopeValues.length === 0 ? []
      : await trx.selectFrom('scope_definitions').select('id').where('value', 'in', r.scopeValues).execute();
    if (scopeIds.length > 0) await trx.insertInto('role_scopes').values(scopeIds.map((x) => ({ role_id: role.id, scope_id: x.id }))).execute();
    rolesCreated++;
  }
  return { scopesCreated, rolesCreated };
}

/** Bulk writes of `tessera import`: batches of users in one transaction, one savepoint per user. */
export function createImportRepo(db: Db) {
  async function save(trx: Trx, accountNumber: ReturnType<typeof accountNumbers>, row: ImportRow, update: boolean): Promise<SaveOutcome> {
    const r = userRow(row.user);
    const given = row.user.accountNumber;
    // One read finds both "already imported" (same id) and "taken by someone else" (same email, username or number).
    const owners = await trx.selectFrom('users').select(['id', 'email_normalized', 'username_normalized', 'account_number'])
      .where((eb) => eb.or([
        eb('id', '=', r.id),
        ...(given === undefined ? [] : [eb('account_number', '=', given)]),
        ...(r.email_normalized === null ? [] : [eb('email_normalized', '=', r.email_normalized)]),
        ...(r.username_normalized === null ? [] : [eb('username_normalized', '=', r.username_normalized)]),
      ])).execute();
    const exists = owners.some((o) => o.id === r.id);
    if (exists && !update) return { status: 'skipped' };
    const other = owners.find((o) => o.id !== r.id);
    if (other) {
      const field = r.email_normalized !== null && other.email_normalized === r.email_normalized ? 'email'
        : r.username_normalized !== null && other.username_normalized === r.username_normalized ? 'username' : 'account number';
      return { status: 'conflict', field };
    }

    if (!exists && row.oauthAccounts.length === 0 && (row.roles ?? []).length === 0 && !row.mfa) {
      // The common case is one insert, atomic by itself: no savepoint. ON CONFLICT DO NOTHING
      // rather than an error, which on PostgreSQL would abort the whole batch's transaction.
      const values = { ...r, account_number: await accountNumber(trx, given) };
      const res = await trx.insertInto('users').values(values).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0 ? { status: 'imported' } : { status: 'conflict', field: 'email, username or account number' };
    }
    // Numbered before the savepoint: a rolled-back user must not take the counter's move back with it.
    const number = exists && given === undefined ? undefined : await accountNumber(trx, given);
    const sp = await trx.savepoint('import_user').execute();
    try {
      if (exists) {
        const { id, created_at: _created, ...rest } = r;
        await sp.updateTable('users').set({ ...rest, ...(number === undefined ? {} : { account_number: number }) })
          .where('id', '=', id).execute();
      } else {
        await sp.insertInto('users').values({ ...r, account_number: number! }).execute();
      }
      if (row.roles !== undefined) await setRoles(sp, r.id, row.roles);
      for (const a of row.oauthAccounts) {
        const linked = await sp.selectFrom('oauth_accounts').select('user_id')
          .where('provider', '=', a.provider).where('account_id', '=', a.account_id).executeTakeFirst();
        if (linked && linked.user_id !== r.id) {
          await sp.rollbackToSavepoint('import_user').execute();
          return { status: 'conflict', field: 'linked account' };
        }
        if (!linked) await sp.insertInto('oauth_accounts').values({ ...a, user_id: r.id }).execute();
      }
      if (row.mfa) await writeMfa(sp, r.id, row.mfa);
      await sp.releaseSavepoint('import_user').execute();
      return { status: exists ? 'updated' : 'imported' };
    } catch (err) {
      await sp.rollbackToSavepoint('import_user').execute();
      try {
        rethrowUnique(err);
      } catch (e) {
        // A server wrote the same email or username between the check above and this write.
        if (e instanceof UniqueViolation) return { status: 'conflict', field: e.field };
        throw e;
      }
    }
  }

  return {
    async startBatch(): Promise<ImportBatch> {
      const trx = await db.startTransaction().execute();
      const numbers = accountNumbers();
      return {
        save: (row, opts) => save(trx, numbers, row, opts.update),
        ensureDefinitions: (defs) => ensureDefinitions(trx, defs),
        commit: () => trx.commit().execute(),
        rollback: () => trx.rollback().execute(),
      };
    },
  };
}

export type ImportRepo = ReturnType<typeof createImportRepo>;
