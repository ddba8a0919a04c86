import { createHash } from 'node:crypto';

/** A provider identity linked to an imported user, with the provider's tokens in the clear (sealed before storage). */
export interface ImportedOAuthAccount {
  provider: string;
  accountId: string;
  accountEmail: string | null;
  /** Absent from Tessera's export (see docs/import.md): the next social login stores fresh ones. */
  accessToken: string | null;
  refreshToken: string | null;
  expiresAt: number | null; // epoch ms
  createdAt: number | null;
}

/**
 * One user as a source reader hands it to the importer, whatever the
 * source system. Readers translate; the importer validates and writes.
 */
export interface ImportedUser {
  /** How the source names this user in reports (its id or username); never a secret. */
  ref: string;
  id: string; // UUID, lower case
  email: string | null;
  username: string | null;
  /** The stored hash as the source wrote it; null: no password (social-only user). */
  passwordHash: string | null;
  isActive: boolean;
  isSuperuser: boolean;
  isVerified: boolean;
  scopes: string[];
  createdAt: number | null; // epoch ms; null: the time of the import
  updatedAt: number | null;
  oauthAccounts: ImportedOAuthAccount[];
  /** wisdom's integer account id (kept); absent: the next number is handed out. */
  accountNumber?: number;
  firstName?: string | null;
  lastName?: string | null;
  /** Role names; absent when the source has no roles (an update then keeps the user's). */
  roles?: string[];
  /** Second factors (Tessera's own export only); absent: none known (an update keeps the user's). */
  mfa?: ImportedMfa;
}

/** A confirmed TOTP enrolment, its secret still sealed under the exporting server's master key, and its recovery codes. */
export interface ImportedMfa {
  totp: { secretSealed: string; confirmedAt: number; lastStep: number | null };
  /** Keyed hashes (HMAC-SHA256 under the same key) of the codes not yet used. */
  recoveryCodes: { hashes: string[]; createdAt: number } | null;
}

/** What a reader yields: a user, or a record it could not translate (reported, not imported). */
export type SourceRecord = { ok: true; user: ImportedUser } | { ok: false; ref: string; reason: string };

/** Scope definitions and roles a source has besides its users (wisdom's), created before the users when missing. */
export interface SourceDefinitions {
  scopes: { name: string; description: string; value: string }[];
  roles: { name: string; description: string; scopeValues: string[] }[];
}

export interface SourceReader {
  /** Number of users in the source when cheaply known, for the progress bar. */
  total(): Promise<number | undefined>;
  definitions?(): Promise<SourceDefinitions>;
  records(): AsyncIterable<SourceRecord>;
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** A UUID in Tessera's form (lower case, dashed) from the dashed or 32-hex-digit forms; undefined otherwise. */
export function canonicalUuid(value: unknown): string | undefined {
  if (typeof value !== 'string' || !UUID.test(value)) return undefined;
  const hex = value.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** SQL booleans come back as true/false (PostgreSQL) or 1/0 (SQLite). */
export const sqlBool = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 't' || v === 'true' || v === 1n;

/** A name-based UUID (version 5 layout over SHA-1, in a namespace of its own): the same source id, the same user id. */
export function uuidFromName(name: string): string {
  const h = createHash('sha1').update(`tessera-import:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  return canonicalUuid(h.subarray(0, 16).toString('hex'))!;
}
