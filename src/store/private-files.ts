import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Owner only: the database and its journal hold password hashes and token hashes. */
export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIR = 0o700;

/**
 * Creates `dir` (and missing parents) as 0700. Modes are set with chmod, not
 * left to mkdir, so the process umask can neither loosen nor tighten them.
 * A directory that already existed is left as the operator made it.
 */
export function makePrivateDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  if (first === undefined) return;
  // chmod every directory this call created, from `dir` up to the first one.
  for (let d = resolve(dir); ; d = dirname(d)) {
    chmodSync(d, PRIVATE_DIR);
    if (d === resolve(first) || d === dirname(d)) break;
  }
}

/** Creates the SQLite file as 0600 before SQLite opens it (SQLite gives -wal and -shm the database file's mode). */
export function prepareSqliteFile(path: string): void {
  makePrivateDir(dirname(path));
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE));
  chmodSync(path, PRIVATE_FILE);
}

/** After open: -wal and -shm left by an earlier run (or another mode) become 0600 too. */
export function restrictSqliteSidecars(path: string): void {
  for (const f of [`${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (existsSync(f)) chmodSync(f, PRIVATE_FILE);
  }
}
