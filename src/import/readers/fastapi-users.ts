import { canonicalUuid, sqlBool, type ImportedOAuthAccount, type SourceReader, type SourceRecord } from '../imported-user.js';
import type { SqlSource } from '../sql-source.js';

const PAGE = 1000;

interface UserRow { id: string; email: string; hashed_password: string; is_active: unknown; is_superuser: unknown; is_verified: unknown }
interface OAuthRow { oauth_name: string; access_token: string; expires_at: number | string | null; refresh_token: string | null; account_id: string; account_email: string | null; user_id: string }

/**
 * FastAPI Users' SQLAlchemy tables (fastapi-users-db-sqlalchemy's
 * SQLAlchemyBaseUserTableUUID and SQLAlchemyBaseOAuthAccountTableUUID):
 * `user` (id GUID: CHAR(36) on SQLite, UUID on PostgreSQL; email,
 * hashed_password, is_active, is_superuser, is_verified) and, when present,
 * `oauth_account`. Read by pages in id order (keyset), so memory stays flat.
 */
export function fastapiUsersReader(source: SqlSource): SourceReader {
  const pg = source.dialect === 'postgres';
  const idText = pg ? 'id::text' : 'id';
  return {
    async total() {
      const [r] = await source.all<{ n: number | string }>('SELECT count(*) AS n FROM "user"');
      return Number(r!.n);
    },
    async *records() {
      if (!(await source.hasTable('user'))) throw new Error('the source has no "user" table (is it a FastAPI Users database?)');
      const withOAuth = await source.hasTable('oauth_account');
      const columns = `${idText} AS id, email, hashed_password, is_active, is_superuser, is_verified`;
      let last: string | undefined;
      for (;;) {
        const page = await source.all<UserRow>(last === undefined
          ? `SELECT ${columns} FROM "user" ORDER BY id LIMIT ${PAGE}`
          : `SELECT ${columns} FROM "user" WHERE id > $1 ORDER BY id LIMIT ${PAGE}`, last === undefined ? [] : [last]);
        if (page.length === 0) return;
        const accounts = withOAuth ? await oauthAccounts(source, page.map((u) => u.id)) : new Map<string, ImportedOAuthAccount[]>();
        for (const row of page) yield toRecord(row, accounts);
        last = page[page.length - 1]!.id;
      }
    },
    close: () => source.close(),
  };
}

function toRecord(row: UserRow, accounts: Map<string, ImportedOAuthAccount[]>): SourceRecord {
  const id = canonicalUuid(row.id);
  if (!id) return { ok: false, ref: String(row.id), reason: 'the id is not a UUID (only SQLAlchemyBaseUserTableUUID tables are supported)' };
  return {
    ok: true,
    user: {
      ref: id, id, email: row.email, username: null, passwordHash: row.hashed_password || null,
      isActive: sqlBool(row.is_active), isSuperuser: sqlBool(row.is_superuser), isVerified: sqlBool(row.is_verified),
      scopes: [], createdAt: null, updatedAt: null, oauthAccounts: accounts.get(id) ?? [],
    },
  };
}

async function oauthAccounts(source: SqlSource, userIds: string[]): Promise<Map<string, ImportedOAuthAccount[]>> {
  const rows = await source.all<OAuthRow>(source.dialect === 'postgres'
    ? 'SELECT oauth_name, access_token, expires_at, refresh_token, account_id, account_email, user_id::text AS user_id FROM oauth_account WHERE user_id = ANY ($1::uuid[])'
    : 'SELECT oauth_name, access_token, expires_at, refresh_token, account_id, account_email, user_id FROM oauth_account WHERE user_id IN (SELECT value FROM json_each($1))',
  [source.dialect === 'postgres' ? userIds : JSON.stringify(userIds)]);
  const byUser = new Map<string, ImportedOAuthAccount[]>();
  for (const r of rows) {
    const userId = canonicalUuid(r.user_id);
    if (!userId) continue;
    const list = byUser.get(userId) ?? [];
    list.push({
      provider: r.oauth_name, accountId: String(r.account_id), accountEmail: r.account_email || null,
      accessToken: r.access_token, refreshToken: r.refresh_token || null,
      // FastAPI Users keeps the provider's expiry in epoch seconds.
      expiresAt: r.expires_at === null ? null : Number(r.expires_at) * 1000, createdAt: null,
    });
    byUser.set(userId, list);
  }
  return byUser;
}
