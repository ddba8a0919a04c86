import type { Db } from '../create-db.js';
import type { ImportMfa } from './import-repo.js';

export interface ExportPage {
  users: {
    seq: number; id: string; email: string | null; username: string | null; passwordHash: string | null;
    isActive: boolean; isSuperuser: boolean; isVerified: boolean; scopes: string[]; createdAt: number; updatedAt: number;
    accountNumber: number; firstName: string | null; lastName: string | null; roles: string[];
  }[];
  /** Linked identities of those users (without their sealed tokens), by user id. */
  oauthAccounts: Map<string, { provider: string; accountId: string; accountEmail: string | null; createdAt: number }[]>;
  /** Confirmed TOTP enrolments (secret still sealed) with their recovery-code hashes, by user id. */
  mfa: Map<string, ImportMfa>;
}

/** Reads for `tessera export`: users in creation order, a page at a time (keyset on seq). */
export function createExportRepo(db: Db) {
  return {
    async page(afterSeq: number, limit: number): Promise<ExportPage> {
      const rows = await db.selectFrom('users')
        .select(['seq', 'id', 'email', 'username', 'password_hash', 'is_active', 'is_superuser', 'is_verified', 'scopes', 'created_at', 'updated_at',
          'account_number', 'first_name', 'last_name'])
        .where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
      const oauthAccounts: ExportPage['oauthAccounts'] = new Map();
      const mfa: ExportPage['mfa'] = new Map();
      const roles = new Map<string, string[]>();
      if (rows.length > 0) {
        const links = await db.selectFrom('user_roles').innerJoin('roles', 'roles.id', 'user_roles.role_id')
          .select(['user_roles.user_id', 'roles.name']).where('user_roles.user_id', 'in', rows.map((r) => r.id)).orderBy('roles.id').execute();
        for (const l of links) roles.set(l.user_id, [...(roles.get(l.user_id) ?? []), l.name]);
        const accounts = await db.selectFrom('oauth_accounts').select(['user_id', 'provider', 'account_id', 'account_email', 'created_at'])
          .where('user_id', 'in', rows.map((r) => r.id)).orderBy('created_at').orderBy('id').execute();
        for (const a of accounts) {
          const list = oauthAccounts.get(a.user_id) ?? [];
          list.push({ provider: a.provider, accountId: a.account_id, accountEmail: a.account_email, createdAt: Number(a.created_at) });
          oauthAccounts.set(a.user_id, list);
        }
        const ids = rows.map((r) => r.id);
        const totps = await db.selectFrom('mfa_totp').select(['user_id', 'secret_enc', 'confirmed_at', 'last_step'])
          .where('user_id', 'in', ids).where('secret_enc', 'is not', null).execute();
        const codes = await db.selectFrom('mfa_recovery_codes').select(['user_id', 'code_hash', 'created_at'])
          .where('user_id', 'in', ids).orderBy('code_hash').execute();
        for (const t of totps) {
          const mine = codes.filter((c) => c.user_id === t.user_id);
          mfa.set(t.user_id, {
            totp: { secretSealed: t.secret_enc!, confirmedAt: Number(t.confirmed_at), lastStep: t.last_step === null ? null : Number(t.last_step) },
            recoveryCodes: mine.length === 0 ? null : { hashes: mine.map((c) => c.code_hash), createdAt: Math.min(...mine.map((c) => Number(c.created_at))) },
          });
        }
      }
      return {
        users: rows.map((r) => ({
          seq: Number(r.seq), id: r.id, email: r.email, username: r.username, passwordHash: r.password_hash,
          isActive: r.is_active === 1, isSuperuser: r.is_superuser === 1, isVerified: r.is_verified === 1,
          scopes: JSON.parse(r.scopes) as string[], createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
          accountNumber: Number(r.account_number), firstName: r.first_name, lastName: r.last_name, roles: roles.get(r.id) ?? [],
        })),
        oauthAccounts,
        mfa,
      };
    },
  };
}

export type ExportRepo = ReturnType<typeof createExportRepo>;
