import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../support/harness.js';
import { register } from '../support/users-client.js';

const mode = (path: string) => statSync(path).mode & 0o777;

/** Only SQLite keeps files of its own; PostgreSQL's are the database server's business. */
describe('file permissions (sqlite)', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-modes-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('the data directory is created 0700; the database, its WAL and shared-memory files are 0600, whatever the umask', async () => {
    const dataDir = join(root, 'data', 'nested');
    const file = join(dataDir, 'tessera.db');
    const outbox = join(root, 'outbox');
    const old = process.umask(0o002);
    let s;
    try {
      s = await startServer('sqlite', { TESSERA_DATABASE_URL: `sqlite:${file}`, TESSERA_MAIL_OUTBOX: outbox }, { db: { url: `sqlite:${file}`, drop: async () => {} } });
      await register(s.app, 'modes@camelot.bt');
      await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: 'modes@camelot.bt' } });
      await s.container.accountTokens.drain();
    } finally {
      process.umask(old);
    }
    try {
      expect(mode(join(root, 'data'))).toBe(0o700);
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(file)).toBe(0o600);
      for (const side of ['-wal', '-shm']) {
        expect(existsSync(file + side), side).toBe(true);
        expect(mode(file + side), side).toBe(0o600);
      }
      expect(mode(outbox)).toBe(0o700);
    } finally {
      await s?.close();
    }
  });
});
