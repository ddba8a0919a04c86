import { sqlBool, uuidFromName, type SourceDefinitions, type SourceReader, type SourceRecord } from '../imported-user.js';
import type { SqlSource } from '../sql-source.js';

const PAGE = 1000;

interface AccountRow { account_id: number; first_name: string; last_name: string; username: string; password: string; is_active: unknown }

/**
 * The wisdom authorization service's database (early-2022 `database/tables`):
 * `accounts` with `account_scopes` and `account_roles`, `scopes`, `roles` and
 * `role_scopes`. Account ids stay the users' account numbers; an account
 * holding `admin` (itself or through a role) becomes a superuser.
 */
export function wisdomReader(source: SqlSource): SourceReader {
  return {
    async total() {
      const [r] = await source.all<{ n: number | string }>('SELECT count(*) AS n FROM accounts');
      return Number(r!.n);
    },
    async definitions(): Promise<SourceDefinitions> {
      const scopes = await source.all<{ scope_id: number; scope_name: string | null; scope_description: string | null; scope_value: string }>(
        'SELECT scope_id, scope_name, scope_description, scope_value FROM scopes ORDER BY scope_id');
      const roles = await source.all<{ role_id: number; role_name: string; role_description: string | null }>('SELECT role_id, role_name, role_description FROM roles ORDER BY role_id');
      const links = await source.all<{ role_id: number; scope_value: string }>(
        'SELECT rs.role_id, s.scope_value FROM role_scopes rs JOIN scopes s ON s.scope_id = rs.scope_id ORDER BY s.scope_id');
      return {
        scopes: scopes.map((s) => ({ name: s.scope_name ?? s.scope_value, description: s.scope_description ?? '', value: s.scope_value })),
        roles: roles.filter((r) => r.role_name).map((r) => ({
          name: r.role_name, description: r.role_description ?? '', scopeValues: links.filter((l) => l.role_id === r.role_id).map((l) => l.scope_value),
        })),
      };
    },
    async *records() {
      let last = 0;
      for (;;) {
        const page = await source.all<AccountRow>(
          `SELECT account_id, first_name, last_name, username, password, is_active FROM accounts WHERE account_id > $1 ORDER BY account_id LIMIT ${PAGE}`, [last]);
        if (page.length === 0) return;
        const ids = page.map((a) => Number(a.account_id));
        const [scopes, roles] = await Promise.all([
          links(source, 'SELECT x.account_id, s.scope_value AS v FROM account_scopes x JOIN scopes s ON s.scope_id = x.scope_id', ids),
          links(source, 'SELECT x.account_id, r.role_name AS v FROM account_roles x JOIN roles r ON r.role_id = x.role_id', ids),
        ]);
        const roleAdmin = await adminRoles(source);
        for (const a of page) yield toRecord(a, scopes.get(Number(a.account_id)) ?? [], roles.get(Number(a.account_id)) ?? [], roleAdmin);
        last = ids[ids.length - 1]!;
      }
    },
    close: () => source.close(),
  };
}

function toRecord(a: AccountRow, scopes: string[], roles: string[], adminRoles: Set<string>): SourceRecord {
  const n = Number(a.account_id);
  if (!a.username) return { ok: false, ref: `account ${n}`, reason: 'no username' };
  return {
    ok: true,
    user: {
      ref: `account ${n}`, id: uuidFromName(`wisdom:${n}`), email: null, username: a.username, passwordHash: a.password || null,
      isActive: sqlBool(a.is_active), isSuperuser: scopes.includes('admin') || roles.some((r) => adminRoles.has(r)), isVerified: false,
      // `me` every user has, `admin` is the superuser flag: the rest are granted scopes.
      scopes: scopes.filter((s) => s !== 'me' && s !== 'admin'),
      createdAt: null, updatedAt: null, oauthAccounts: [],
      accountNumber: n, firstName: a.first_name, lastName: a.last_name, roles,
    },
  };
}

/** account id → values, for the accounts of one page. */
async function links(source: SqlSource, select: string, ids: number[]): Promise<Map<number, string[]>> {
  const rows = await source.all<{ account_id: number; v: string }>(source.dialect === 'postgres'
    ? `${select} WHERE x.account_id = ANY ($1::int[]) ORDER BY 2` : `${select} WHERE x.account_id IN (SELECT value FROM json_each($1)) ORDER BY 2`,
  [source.dialect === 'postgres' ? ids : JSON.stringify(ids)]);
  const map = new Map<number, string[]>();
  for (const r of rows) map.set(Number(r.account_id), [...(map.get(Number(r.account_id)) ?? []), r.v]);
  return map;
}

async function adminRoles(source: SqlSource): Promise<Set<string>> {
  const rows = await source.all<{ role_name: string }>(
    "SELECT r.role_name FROM roles r JOIN role_scopes rs ON rs.role_id = r.role_id JOIN scopes s ON s.scope_id = rs.scope_id WHERE s.scope_value = 'admin'");
  return new Set(rows.map((r) => r.role_name));
}
