import type { ImportedMfa, ImportedOAuthAccount, ImportedUser } from './imported-user.js';
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
  /**
   * Second factors: a confirmed TOTP enrolment (its secret sealed under the server's master key, as
   * stored) and the hashes of its unused recovery codes. Passkeys are not exported.
   */
  mfa: ExportedMfa[];
}

export type ExportedMfa =
  | { type: 'totp'; secret: string; confirmed_at: string; last_step: number | null }
  | { type: 'recovery_codes'; hashes: string[]; created_at: string };

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
    mfa: exportedMfa(u.mfa),
  };
}

function exportedMfa(m: ImportedMfa | undefined): ExportedMfa[] {
  if (!m) return [];
  return [
    { type: 'totp', secret: m.totp.secretSealed, confirmed_at: iso(m.totp.confirmedAt), last_step: m.totp.lastStep },
    ...(m.recoveryCodes ? [{ type: 'recovery_codes' as const, hashes: m.recoveryCodes.hashes, created_at: iso(m.recoveryCodes.createdAt) }] : []),
  ];
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
  const mfa = importedMfa(list(o, 'mfa'));
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
    ...(mfa ? { mfa } : {}),
  };
}

/** The `mfa` list back into a TOTP enrolment with its recovery codes; none when the list is empty. */
function importedMfa(items: unknown[]): ImportedMfa | undefined {
  let totp: ImportedMfa['totp'] | undefined;
  let recoveryCodes: ImportedMfa['recoveryCodes'] = null;
  for (const item of items) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw new Invalid('"mfa" must hold objects');
    const r = item as Record<string, unknown>;
    if (r.type === 'totp' && !totp) {
      const step = r.last_step ?? null;
      if (step !== null && !Number.isSafeInteger(step)) throw new Invalid('"last_step" must be an integer or null');
      totp = { secretSealed: str(r, 'secret')!, confirmedAt: time(r, 'confirmed_at'), lastStep: step as number | null };
    } else if (r.type === 'recovery_codes' && !recoveryCodes) {
      const hashes = list(r, 'hashes');
      if (!hashes.every((h) => typeof h === 'string' && h !== '')) throw new Invalid('"hashes" must hold strings');
      recoveryCodes = { hashes: hashes as string[], createdAt: time(r, 'created_at') };
    } else {
      throw new Invalid('an MFA enrolment of an unknown type, or a second one of a type (this version imports one TOTP and its recovery codes)');
    }
  }
  if (!totp && recoveryCodes) throw new Invalid('recovery codes without a TOTP enrolment');
  return totp ? { totp, recoveryCodes } : undefined;
}

export const isInvalidExport = (err: unknown): err is Error => err instanceof Invalid;
