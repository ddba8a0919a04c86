import { randomUUID } from 'node:crypto';
import { inspectHash } from '../crypto/hash-schemes.js';
import type { ImportBatch, ImportRepo, ImportRow } from '../store/repos/import-repo.js';
import type { ImportedUser, SourceReader } from './imported-user.js';

export type ProblemKind = 'conflict' | 'unknown hash format' | 'refused';

export interface ImportReport {
  imported: number;
  updated: number;
  skipped: number;
  conflicts: number;
  unknownHashFormats: number;
  refused: number;
  /** Scope definitions and roles the source had and Tessera did not (wisdom). */
  scopesCreated: number;
  rolesCreated: number;
  /** One line per user not written, by the source's reference: never a hash or password. */
  problems: { ref: string; kind: ProblemKind; reason: string }[];
}

export interface ImportOptions {
  dryRun: boolean;
  /** Users already imported (same id) are rewritten from the source instead of skipped. */
  update: boolean;
  /** Users per transaction (a dry run rolls each back: conflicts between users of different batches go unseen). */
  batchSize?: number;
  onProgress?: (done: number) => void;
}

export interface ImporterDeps {
  repo: ImportRepo;
  /** Seals a provider token for storage (core/social-login.ts's box); asked for only when a token is there. */
  sealToken: () => Promise<(plain: string) => string>;
  /** Whether a TOTP secret sealed by the exporting server opens under this server's key; asked for only when one is there. */
  opensTotp?: () => Promise<(sealed: string) => boolean>;
  now?: () => number;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 §3.3

/** Reads every record of `reader` and writes each valid user whole (or not at all). */
export async function runImport(reader: SourceReader, deps: ImporterDeps, opts: ImportOptions): Promise<ImportReport> {
  const now = deps.now ?? Date.now;
  const report: ImportReport = { imported: 0, updated: 0, skipped: 0, conflicts: 0, unknownHashFormats: 0, refused: 0, scopesCreated: 0, rolesCreated: 0, problems: [] };
  const batchSize = opts.batchSize ?? 500;
  let seal: ((plain: string) => string) | undefined;
  let opens: ((sealed: string) => boolean) | undefined;
  let batch: ImportBatch | undefined;
  let inBatch = 0;
  let done = 0;

  const problem = (ref: string, kind: ProblemKind, reason: string) => {
    report.problems.push({ ref, kind, reason });
    if (kind === 'conflict') report.conflicts++;
    else if (kind === 'unknown hash format') report.unknownHashFormats++;
    else report.refused++;
  };
  // A dry run rolls each batch back: a short transaction never holds a SQLite write lock for long.
  const endBatch = async () => {
    if (batch) await (opts.dryRun ? batch.rollback() : batch.commit());
    batch = undefined;
    inBatch = 0;
  };

  try {
    if (reader.definitions) {
      const defs = await reader.definitions();
      batch = await deps.repo.startBatch();
      Object.assign(report, await batch.ensureDefinitions(defs));
      await endBatch();
    }
    for await (const record of reader.records()) {
      opts.onProgress?.(++done);
      if (!record.ok) {
        problem(record.ref, 'refused', record.reason);
        continue;
      }
      const user = record.user;
      const checked = check(user);
      if (checked) {
        problem(user.ref, checked.kind, checked.reason);
        continue;
      }
      if (user.oauthAccounts.length > 0 && !seal) {
        // The sealing key may be read (or made) through the database: not inside a batch, whose
        // transaction holds SQLite's only connection.
        await endBatch();
        seal = await deps.sealToken();
      }
      if (user.mfa && deps.opensTotp) {
        if (!opens) {
          await endBatch();
          opens = await deps.opensTotp();
        }
        // Written anyway it would lock the user out: neither its codes nor its recovery codes would ever match.
        if (!opens(user.mfa.totp.secretSealed)) {
          problem(user.ref, 'refused', 'its TOTP secret is sealed under another server key (import with the exporting server\'s TESSERA_OAUTH_TOKEN_KEY)');
          continue;
        }
      }
      batch ??= await deps.repo.startBatch();
      const outcome = await batch.save(toRow(user, seal, now()), { update: opts.update });
      if (outcome.status === 'conflict') problem(user.ref, 'conflict', `${outcome.field} already belongs to another user`);
      else report[outcome.status]++;
      if (++inBatch >= batchSize) await endBatch();
    }
    await endBatch();
  } finally {
    await batch?.rollback().catch(() => {});
    await reader.close();
  }
  return report;
}

/** Why a user cannot be imported, or undefined when it can. */
function check(u: ImportedUser): { kind: ProblemKind; reason: string } | undefined {
  if (u.email === null && u.username === null) return { kind: 'refused', reason: 'neither an email nor a username' };
  if (u.email !== null && (u.email.length > 320 || !EMAIL.test(u.email))) return { kind: 'refused', reason: 'the email is not an address' };
  if (u.username !== null && (u.username.trim() === '' || u.username.length > 320)) return { kind: 'refused', reason: 'the username is empty or too long' };
  if (u.accountNumber !== undefined && (!Number.isSafeInteger(u.accountNumber) || u.accountNumber < 1)) return { kind: 'refused', reason: 'the account number is not a positive integer' };
  const badScope = u.scopes.find((s) => typeof s !== 'string' || !SCOPE_TOKEN.test(s));
  if (badScope !== undefined) return { kind: 'refused', reason: 'a scope is not an OAuth scope token' };
  if (u.passwordHash !== null) {
    const found = inspectHash(u.passwordHash);
    if (found.status === 'unknown') return { kind: 'unknown hash format', reason: 'the password hash is in no format Tessera verifies' };
    if (found.status === 'refused') return { kind: 'refused', reason: found.reason };
  }
  return undefined;
}

function toRow(u: ImportedUser, seal: ((plain: string) => string) | undefined, at: number): ImportRow {
  const createdAt = u.createdAt ?? at;
  return {
    user: {
      id: u.id, email: u.email, username: u.username, passwordHash: u.passwordHash, isActive: u.isActive,
      isSuperuser: u.isSuperuser, isVerified: u.isVerified, scopes: [...new Set(u.scopes)], createdAt, updatedAt: u.updatedAt ?? createdAt,
      ...(u.accountNumber === undefined ? {} : { accountNumber: u.accountNumber }),
      ...(u.firstName === undefined ? {} : { firstName: u.firstName }),
      ...(u.lastName === undefined ? {} : { lastName: u.lastName }),
    },
    roles: u.roles,
    ...(u.mfa ? { mfa: u.mfa } : {}),
    oauthAccounts: u.oauthAccounts.map((a) => ({
      id: randomUUID(), provider: a.provider, account_id: a.accountId, account_email: a.accountEmail,
      // As migration 0004 did for existing links: proven only when the account's email is verified.
      email_verified: u.isVerified ? 1 : 0,
      // An identity without a known token keeps an empty sealed one until its next social login stores fresh ones.
      access_token_enc: seal!(a.accessToken ?? ''), refresh_token_enc: a.refreshToken === null ? null : seal!(a.refreshToken),
      expires_at: a.expiresAt, created_at: a.createdAt ?? createdAt, updated_at: at,
    })),
  };
}
