import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importInto, openReader } from '../../src/import/run-import.js';
import { DIALECTS, TEST_HASH, startServer, type TestServer } from '../support/harness.js';
import { fixture } from '../support/import-sources.js';
import { form } from '../support/users-fixtures.js';
import { tempDir } from '../support/process.js';
import { exportLineValidator, exportOf } from '../support/export-jsonl.js';

const CURRENT = `$argon2id$v=19$m=${TEST_HASH.memoryCost},t=${TEST_HASH.timeCost},p=${TEST_HASH.parallelism}$`;
const HASHES = JSON.parse(readFileSync(fixture('hashes.json'), 'utf8')) as { verify: { scheme: string; password: string }[] };

/** Tessera's own format: one user per hash scheme (written by passlib, bcrypt, argon2-cffi), then a round trip. */
describe.each(DIALECTS)('import jsonl and export (%s)', (dialect) => {
  let a: TestServer;
  let b: TestServer;
  const tmp = tempDir();
  beforeAll(async () => { [a, b] = await Promise.all([startServer(dialect), startServer(dialect)]); });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    tmp.remove();
  });
  const run = async (s: TestServer, file: string) => importInto(s.container.db, await openReader('jsonl', file), { dryRun: false, update: false });

  it('imports every verifiable scheme; absurd costs are refused and unknown formats reported', async () => {
    const r = await run(a, fixture('tessera-export.jsonl'));
    expect(r).toMatchObject({ imported: HASHES.verify.length, refused: 4, unknownHashFormats: 2, conflicts: 0 });
    expect(r.problems.filter((p) => p.kind === 'refused').map((p) => p.reason)).toEqual([
      'pbkdf2 rounds 1000000000 are outside 1..3000000', 'bcrypt cost 31 is outside 4..14',
      'scrypt ln=30,r=8 needs more than 256 MiB', 'argon2 memory 4194304 KiB is over 262144',
    ]);
  });

  it.each(HASHES.verify.map((h, i) => [h.scheme, i, h.password] as const))('%s: the original password logs in, the hash becomes argon2id', async (_s, i, password) => {
    const email = `user${i}@import.bt`;
    const res = await a.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username: email, password }) });
    expect(res.statusCode).toBe(200);
    expect((await a.container.repos.users.findByEmail(email))!.passwordHash!.startsWith(CURRENT)).toBe(true);
  });

  it('the export matches its JSON Schema, keeps the source times and linked accounts, and round-trips exactly', async () => {
    const first = await exportOf(a);
    const lines = first.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(HASHES.verify.length);
    const validate = exportLineValidator();
    for (const line of lines) expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
    expect(lines[0]).toMatchObject({
      email: 'user0@import.bt', username: 'user0', scopes: ['reports'], is_verified: true, created_at: '2024-01-01T10:00:00.000Z',
      oauth_accounts: [{ provider: 'github', account_id: '4242', account_email: 'user0@import.bt', created_at: '2024-01-01T10:00:00.000Z' }],
    });
    expect(first).not.toContain('access_token');

    const file = join(tmp.dir, 'export.jsonl');
    writeFileSync(file, first);
    expect(await run(b, file)).toMatchObject({ imported: lines.length, refused: 0, unknownHashFormats: 0, conflicts: 0 });
    expect(await exportOf(b)).toBe(first);
  });
});
