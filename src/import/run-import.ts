import { TOTP_BOX_PURPOSE } from '../core/mfa/mfa-crypto.js';
import { createSecretBox, lazyMasterKey } from '../crypto/secret-box.js';
import type { Db } from '../store/create-db.js';
import { createImportRepo } from '../store/repos/import-repo.js';
import { createServerSecretsRepo } from '../store/repos/server-secrets-repo.js';
import type { SourceReader } from './imported-user.js';
import { runImport, type ImportOptions, type ImportReport } from './importer.js';
import { fastapiUsersReader } from './readers/fastapi-users.js';
import { ipseityReader } from './readers/ipseity.js';
import { jsonlReader } from './readers/jsonl.js';
import { wisdomReader } from './readers/wisdom.js';
import { openSqlSource } from './sql-source.js';

export const IMPORT_FORMATS = ['fastapi-users', 'ipseity', 'jsonl', 'wisdom'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const isImportFormat = (f: string): f is ImportFormat => (IMPORT_FORMATS as readonly string[]).includes(f);

/** The reader of `format` over `source` (a file path or a database URL). */
export async function openReader(format: ImportFormat, source: string): Promise<SourceReader> {
  switch (format) {
    case 'fastapi-users': return fastapiUsersReader(await openSqlSource(source));
    case 'ipseity': return ipseityReader(source);
    case 'jsonl': return jsonlReader(source);
    case 'wisdom': return wisdomReader(await openSqlSource(source));
  }
}

/**
 * Imports `reader` into Tessera's database `db`. Provider tokens are sealed
 * as social login seals them: under TESSERA_OAUTH_TOKEN_KEY when set, else
 * the key kept in the database (created if need be).
 */
export async function importInto(db: Db, reader: SourceReader, opts: ImportOptions & { oauthTokenKey?: string | undefined; now?: () => number }): Promise<ImportReport> {
  const now = opts.now ?? Date.now;
  const masterKey = lazyMasterKey({ configured: opts.oauthTokenKey, secrets: createServerSecretsRepo(db), now });
  return runImport(reader, {
    repo: createImportRepo(db), now,
    async sealToken() {
      if (opts.dryRun) return () => 'not sealed: dry run'; // makes no key either
      const box = createSecretBox(await masterKey(), 'oauth-tokens');
      return (plain) => box.seal(plain);
    },
    async opensTotp() {
      if (opts.dryRun) return () => true; // makes no key either
      const box = createSecretBox(await masterKey(), TOTP_BOX_PURPOSE);
      return (sealed) => box.open(sealed) !== undefined;
    },
  }, opts);
}

/** The summary the CLI prints: counts, then one line per user not written (never a hash or password). */
export function formatReport(r: ImportReport, dryRun: boolean): string {
  const lines = [
    `${dryRun ? 'dry run (nothing written): would have ' : ''}imported ${r.imported}, updated ${r.updated}, skipped ${r.skipped}, ` +
      `conflicts ${r.conflicts}, unknown hash formats ${r.unknownHashFormats}, refused ${r.refused}`,
    ...(r.scopesCreated + r.rolesCreated > 0 ? [`${dryRun ? 'would have created' : 'created'} ${r.scopesCreated} scope definitions and ${r.rolesCreated} roles`] : []),
    ...r.problems.map((p) => `${p.kind}: ${p.ref}: ${p.reason}`),
  ];
  return `${lines.join('\n')}\n`;
}
