import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { Config } from '../config/schema.js';
import { namingTheSetting } from '../container.js';
import { runExport } from '../import/exporter.js';
import { formatReport, importInto, IMPORT_FORMATS, isImportFormat, openReader } from '../import/run-import.js';
import { openDatabase } from '../store/create-db.js';
import { createExportRepo } from '../store/repos/export-repo.js';
import { UsageError } from './usage-error.js';

export const IMPORT_HELP = `usage: tessera import <format> <source> [--dry-run] [--update]

Brings users, with their password hashes and ids, from the system Tessera replaces.
  fastapi-users <db>   FastAPI Users' SQLAlchemy "user" (+ "oauth_account") tables;
                       <db> is a SQLite file, sqlite:///path or postgres://user:pass@host/db
  ipseity <file>       mongoexport of ipseity's "authentication" collection (JSON lines or --jsonArray)
  jsonl <file>         Tessera's own export (tessera export)
  wisdom <db>          the wisdom authorization service's accounts, scopes and roles (same <db> forms);
                       account ids stay the account numbers, an account holding "admin" becomes a superuser

  --dry-run   report what would happen; write nothing
  --update    rewrite users already imported (same id) from the source instead of skipping them
  --help      this text

A user whose email or username belongs to another user, whose hash is in an unknown format
or has absurd cost parameters is reported and not written; every other user is written whole.
Exit status: 0 all written or skipped, 3 some users not written, 1 the source could not be read.
Details: docs/import.md.`;

export const EXPORT_HELP = `usage: tessera export <file>

Writes every user (password hash, flags, scopes, linked accounts) as JSON lines to <file>
(created readable by its owner only; "-" for standard output). \`tessera import jsonl\` reads it back.`;

/** A progress bar on standard error, only when it is a terminal (never in logs or pipes). */
async function progressBar(label: string, total: number | undefined) {
  if (!process.stderr.isTTY) return { update: (_n: number) => {}, stop: () => {} };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({
    stream: process.stderr, hideCursor: true, etaBuffer: 1000,
    format: total ? `${label} [{bar}] {percentage}% {value}/{total} users, eta {eta}s` : `${label} {value} users`,
  }, cliProgress.Presets.shades_classic);
  bar.start(total ?? 0, 0);
  return { update: (n: number) => bar.update(n), stop: () => bar.stop() };
}

export async function importCommand(args: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: {
    'dry-run': { type: 'boolean', default: false }, update: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
  } });
  if (values.help) {
    console.log(IMPORT_HELP);
    return 0;
  }
  const [format, source, ...extra] = positionals;
  if (!format || !source || extra.length > 0) throw new UsageError("import needs <format> <source> (see tessera import --help)");
  if (!isImportFormat(format)) throw new UsageError(`unknown import format: ${format} (one of ${IMPORT_FORMATS.join(', ')})`);

  const reader = await openReader(format, source);
  const db = await openDatabase({ url: config.databaseUrl }).catch(async (err: unknown) => {
    await reader.close();
    return namingTheSetting(err);
  });
  try {
    const bar = await progressBar('importing', await reader.total());
    let report;
    try {
      report = await importInto(db, reader, { dryRun: values['dry-run'], update: values.update, oauthTokenKey: config.oauthTokenKey, onProgress: bar.update });
    } finally {
      bar.stop();
    }
    process.stdout.write(formatReport(report, values['dry-run']));
    return report.problems.length > 0 ? 3 : 0;
  } finally {
    await db.destroy();
  }
}

export async function exportCommand(args: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { help: { type: 'boolean', default: false } } });
  if (values.help) {
    console.log(EXPORT_HELP);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new UsageError("export needs <file> (see tessera export --help)");
  const db = await openDatabase({ url: config.databaseUrl }).catch(namingTheSetting);
  try {
    // The file holds password hashes: readable by its owner only.
    const out = file === '-' ? process.stdout : createWriteStream(file, { mode: 0o600 });
    if (out !== process.stdout) await once(out, 'open'); // a bad path fails here, with its reason
    const bar = await progressBar('exporting', undefined);
    const count = await runExport(createExportRepo(db), out, bar.update).finally(() => bar.stop());
    if (out !== process.stdout) {
      out.end();
      await finished(out);
      console.log(`exported ${count} users to ${file}`);
    }
    return 0;
  } finally {
    await db.destroy();
  }
}
