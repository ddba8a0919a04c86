import type { ImportedOAuthAccount, ImportedUser } from './imported-user.js';
import { canonicalUuid } from './imported-user.js';

/**
 * Tessera's export format: one JSON object per line, one per user
 * (docs/import.md; docs/export.schema.json is its JSON Schema). Times are
 * ISO 8601 UTC with milliseconds, so a round trip keeps them exactly.
 */
export interface ExportedUser {
  id: string;
  email: string | null;
  username: string | null;
  password_hash: string | null;
  is_active: boolean;
  is_superuser: boolean;
  is_verified: boolean;
  scopes: string[];
  created_at: string;
  updated_at: string;
  /** The integer account number (wisdom's account id), names and role names. */
  account_number: number;
  first_name: string | null;
  last_name: string | null;
  roles: string[];
  /** Provider tokens are not exported (docs/import.md): the next social login stores fresh ones. */
  oauth_accounts: { provider: string; account_id: string; account_email: string | null; created_at: string }[];
  /** MFA enrolments; always empty until Tessera has them (then: type, secret sealed, created_at). */
  mfa: unknown[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

type Exportable = Omit<ImportedUser, 'ref'> & { createdAt: number; updatedAt: number; accountNumber: number; firstName: string | null; lastName: string | null; roles: string[] };

export function toExported(u: Exportable): ExportedUser {
  return {
    id: u.id, email: u.email, username: u.username, password_hash: u.passwordHash,
    is_active: u.isActive, is_superuser: u.isSuperuser, is_verified: u.isVerified, scopes: u.scopes,
    created_at: iso(u.createdAt), updated_at: iso(u.updatedAt),
    account_number: u.accountNumber, first_name: u.firstName, last_name: u.lastName, roles: u.roles,
    oauth_accounts: u.oauthAccounts.map((a) => ({
      provider: a.provider, account_id: a.accountId, account_email: a.accountEmail, created_at: iso(a.createdAt ?? u.createdAt),
    })),
    mfa: [],
  };
}

class Invalid extends Error {}

const str = (o: Record<string, unknown>, k: string, nullable = false): string | null => {
  const v = o[k];
  if (typeof v === 'string' || (nullable && v === null)) return v as string | null;
  throw new Invalid(`"${k}" must be a string${nullable ? ' or null' : ''}`);
};
const bool = (o: Record<string, unknown>, k: string): boolean => {
  if (typeof o[k] !== 'boolean') throw new Invalid(`"${k}" must be true or false`);
  return o[k] as boolean;
};
const time = (o: Record<string, unknown>, k: string): number => {
  const ms = Date.parse(str(o, k)!);
  if (Number.isNaN(ms)) throw new Invalid(`"${k}" must be an ISO 8601 time`);
  return ms;
};
const list = (o: Record<string, unknown>, k: string): unknown[] => {
  if (o[k] === undefined) return [];
  if (!Array.isArray(o[k])) throw new Invalid(`"${k}" must be an array`);
  return o[k] as unknown[];
};

/** An exported line back into an imported user; throws a message naming the bad field. */
export function fromExported(value: unknown): ImportedUser {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Invalid('not a JSON object');
  const o = value as Record<string, unknown>;
  const id = canonicalUuid(o.id);
  if (!id) throw new Invalid('"id" must be a UUID');
  const scopes = list(o, 'scopes');
  if (!scopes.every((s) => typeof s === 'string')) throw new Invalid('"scopes" must hold strings');
  const roles = list(o, 'roles');
  if (!roles.every((r) => typeof r === 'string')) throw new Invalid('"roles" must hold strings');
  const accountNumber = o.account_number;
  if (accountNumber !== undefined && !(Number.isSafeInteger(accountNumber) && (accountNumber as number) > 0)) throw new Invalid('"account_number" must be a positive integer');
  if (list(o, 'mfa').length > 0) throw new Invalid('MFA enrolments are not supported by this version of Tessera');
  const oauthAccounts = list(o, 'oauth_accounts').map((a): ImportedOAuthAccount => {
    if (!a || typeof a !== 'object') throw new Invalid('"oauth_accounts" must hold objects');
    const r = a as Record<string, unknown>;
    return {
      provider: str(r, 'provider')!, accountId: str(r, 'account_id')!, accountEmail: str(r, 'account_email', true),
      accessToken: null, refreshToken: null, expiresAt: null, createdAt: time(r, 'created_at'),
    };
  });
  return {
    ref: id, id, email: str(o, 'email', true), username: str(o, 'username', true), passwordHash: str(o, 'password_hash', true),
    isActive: bool(o, 'is_active'), isSuperuser: bool(o, 'is_superuser'), isVerified: bool(o, 'is_verified'),
    scopes: scopes as string[], createdAt: time(o, 'created_at'), updatedAt: time(o, 'updated_at'), oauthAccounts,
    // Older exports (without these fields) import with a new account number and no names or roles.
    ...(accountNumber === undefined ? {} : { accountNumber: accountNumber as number }),
    ...(o.first_name === undefined ? {} : { firstName: str(o, 'first_name', true) }),
    ...(o.last_name === undefined ? {} : { lastName: str(o, 'last_name', true) }),
    ...(o.roles === undefined ? {} : { roles: roles as string[] }),
  };
}

export const isInvalidExport = (err: unknown): err is Error => err instanceof Invalid;
