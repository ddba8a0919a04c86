import type { ControlledTransaction } from 'kysely';
import type { Db } from '../create-db.js';
import type { Database, OAuthAccountsTable, UsersTable } from '../tables.js';
import { UniqueViolation, rethrowUnique } from '../unique-violation.js';
import { normalizeLogin, type UserRecord } from './users-repo.js';

/** A user to write whole: its row and its linked identities (tokens already sealed). */
export interface ImportRow {
  user: UserRecord;
  oauthAccounts: Omit<OAuthAccountsTable, 'user_id'>[];
}

export type SaveOutcome =
  | { status: 'imported' | 'updated' | 'skipped' }
  | { status: 'conflict'; field: 'email' | 'username' | 'linked account' | string };

export interface ImportBatch {
  /** Writes one user whole or not at all (a savepoint of the batch's transaction). */
  save(row: ImportRow, opts: { update: boolean }): Promise<SaveOutcome>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

const userRow = (u: UserRecord): Omit<UsersTable, 'seq'> => ({
  id: u.id, email: u.email, email_normalized: u.email === null ? null : normalizeLogin(u.email),
  username: u.username, username_normalized: u.username === null ? null : normalizeLogin(u.username),
  password_hash: u.passwordHash, is_active: u.isActive ? 1 : 0, is_superuser: u.isSuperuser ? 1 : 0,
  is_verified: u.isVerified ? 1 : 0, scopes: JSON.stringify(u.scopes), created_at: u.createdAt, updated_at: u.updatedAt,
});

/** Bulk writes of `tessera import`: batches of users in one transaction, one savepoint per user. */
export function createImportRepo(db: Db) {
  async function save(trx: ControlledTransaction<Database>, row: ImportRow, update: boolean): Promise<SaveOutcome> {
    const r = userRow(row.user);
    // One read finds both "already imported" (same id) and "taken by someone else" (same email/username).
    const owners = await trx.selectFrom('users').select(['id', 'email_normalized', 'username_normalized'])
      .where((eb) => eb.or([
        eb('id', '=', r.id),
        ...(r.email_normalized === null ? [] : [eb('email_normalized', '=', r.email_normalized)]),
        ...(r.username_normalized === null ? [] : [eb('username_normalized', '=', r.username_normalized)]),
      ])).execute();
    const exists = owners.some((o) => o.id === r.id);
    if (exists && !update) return { status: 'skipped' };
    const other = owners.find((o) => o.id !== r.id);
    if (other) return { status: 'conflict', field: r.email_normalized !== null && other.email_normalized === r.email_normalized ? 'email' : 'username' };

    if (!exists && row.oauthAccounts.length === 0) {
      // The common case is one statement, atomic by itself: no savepoint. ON CONFLICT DO NOTHING
      // rather than an error, which on PostgreSQL would abort the whole batch's transaction.
      const res = await trx.insertInto('users').values(r).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0 ? { status: 'imported' } : { status: 'conflict', field: 'email or username' };
    }
    const sp = await trx.savepoint('import_user').execute();
    try {
      if (exists) {
        const { id, created_at: _created, ...rest } = r;
        await sp.updateTable('users').set(rest).where('id', '=', id).execute();
      } else {
        await sp.insertInto('users').values(r).execute();
      }
      for (const a of row.oauthAccounts) {
        const linked = await sp.selectFrom('oauth_accounts').select('user_id')
          .where('provider', '=', a.provider).where('account_id', '=', a.account_id).executeTakeFirst();
        if (linked && linked.user_id !== r.id) {
          await sp.rollbackToSavepoint('import_user').execute();
          return { status: 'conflict', field: 'linked account' };
        }
        if (!linked) await sp.insertInto('oauth_accounts').values({ ...a, user_id: r.id }).execute();
      }
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
      return {
        save: (row, opts) => save(trx, row, opts.update),
        commit: () => trx.commit().execute(),
        rollback: () => trx.rollback().execute(),
      };
    },
  };
}

export type ImportRepo = ReturnType<typeof createImportRepo>;
