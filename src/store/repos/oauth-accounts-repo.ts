import type { Db } from '../create-db.js';
import type { OAuthAccountsTable } from '../tables.js';

/** A provider identity linked to a user; token fields are ciphertexts, sealed by core. */
export interface OAuthAccountRecord {
  id: string;
  userId: string;
  provider: string;
  accountId: string;
  accountEmail: string | null;
  /** The account's email was proven when this identity was linked (see core/social-login.ts). */
  emailVerified: boolean;
  accessTokenEnc: string;
  refreshTokenEnc: string | null;
  expiresAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export type OAuthTokenPatch = Pick<OAuthAccountRecord, 'accountEmail' | 'accessTokenEnc' | 'refreshTokenEnc' | 'expiresAt' | 'updatedAt'>;

const toRecord = (r: OAuthAccountsTable): OAuthAccountRecord => ({
  id: r.id, userId: r.user_id, provider: r.provider, accountId: r.account_id, accountEmail: r.account_email,
  emailVerified: r.email_verified === 1,
  accessTokenEnc: r.access_token_enc, refreshTokenEnc: r.refresh_token_enc,
  expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});

export function createOAuthAccountsRepo(db: Db) {
  return {
    async findByIdentity(provider: string, accountId: string): Promise<OAuthAccountRecord | undefined> {
      const r = await db.selectFrom('oauth_accounts').selectAll()
        .where('provider', '=', provider).where('account_id', '=', accountId).executeTakeFirst();
      return r && toRecord(r);
    },

    async listForUser(userId: string): Promise<OAuthAccountRecord[]> {
      const rows = await db.selectFrom('oauth_accounts').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
      return rows.map(toRecord);
    },

    /** Links an identity; false when (provider, accountId) is already linked (a concurrent callback won). */
    async insert(a: OAuthAccountRecord): Promise<boolean> {
      const res = await db.insertInto('oauth_accounts').values({
        id: a.id, user_id: a.userId, provider: a.provider, account_id: a.accountId, account_email: a.accountEmail,
        email_verified: a.emailVerified ? 1 : 0,
        access_token_enc: a.accessTokenEnc, refresh_token_enc: a.refreshTokenEnc, expires_at: a.expiresAt,
        created_at: a.createdAt, updated_at: a.updatedAt,
      }).onConflict((oc) => oc.columns(['provider', 'account_id']).doNothing()).executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    /** Unlinks one of the user's identities; false when the user has none by that id. */
    async deleteForUser(userId: string, id: string): Promise<boolean> {
      const res = await db.deleteFrom('oauth_accounts').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },

    /** Drops the user's links made while the account's email was unproven; returns how many went. */
    async deleteUnverifiedForUser(userId: string): Promise<number> {
      const res = await db.deleteFrom('oauth_accounts').where('user_id', '=', userId).where('email_verified', '=', 0).executeTakeFirst();
      return Number(res.numDeletedRows);
    },

    /** Stores the tokens of the latest login through this identity. */
    async updateTokens(id: string, p: OAuthTokenPatch): Promise<void> {
      await db.updateTable('oauth_accounts').set({
        account_email: p.accountEmail, access_token_enc: p.accessTokenEnc, refresh_token_enc: p.refreshTokenEnc,
        expires_at: p.expiresAt, updated_at: p.updatedAt,
      }).where('id', '=', id).execute();
    },
  };
}

export type OAuthAccountsRepo = ReturnType<typeof createOAuthAccountsRepo>;
