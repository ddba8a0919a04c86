import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importInto, openReader } from '../../src/import/run-import.js';
import { DIALECTS, startServer, type TestServer } from '../support/harness.js';
import { mfaChallenge, setUpTotp, totpCode, verify } from '../support/mfa-client.js';
import { coreUser, jwtLogin } from '../support/users-fixtures.js';
import { tempDir } from '../support/process.js';
import { exportLineValidator, exportOf } from '../support/export-jsonl.js';

const STEP = 30_000;
const KEY = randomBytes(32).toString('hex');

/** TOTP enrolments travel sealed: they work after an import into a server with the same key, and are refused elsewhere. */
describe.each(DIALECTS)('export and import of MFA enrolments (%s)', (dialect) => {
  let a: TestServer;
  let b: TestServer;
  let c: TestServer;
  let clock = Math.floor(Date.now() / STEP) * STEP + STEP / 2;
  const now = () => clock;
  const tmp = tempDir();
  beforeAll(async () => {
    [a, b, c] = await Promise.all([
      startServer(dialect, { TESSERA_OAUTH_TOKEN_KEY: KEY }, { now }), startServer(dialect, { TESSERA_OAUTH_TOKEN_KEY: KEY }, { now }), startServer(dialect, {}, { now }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close(), c.close()]);
    tmp.remove();
  });

  it('exports TOTP sealed with its recovery codes, imports it where the key is the same, and refuses it elsewhere', async () => {
    await coreUser(a, 'gorlois@camelot.bt');
    await coreUser(a, 'plain@camelot.bt');
    const { secret, recoveryCodes } = await setUpTotp(a, (await jwtLogin(a, 'gorlois@camelot.bt')).access_token, clock);
    clock += STEP;
    // One code spent before the export: it stays spent.
    expect((await verify(a, { mfa_token: (await mfaChallenge(a, 'gorlois@camelot.bt')).mfa_token, recovery_code: recoveryCodes[0] })).statusCode).toBe(200);

    const text = await exportOf(a);
    expect(text).not.toContain(secret);
    for (const code of recoveryCodes) expect(text).not.toContain(code);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { email: string; mfa: Array<{ type: string; hashes?: string[] }> });
    const validate = exportLineValidator();
    for (const line of lines) expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
    const mine = lines.find((l) => l.email === 'gorlois@camelot.bt')!;
    expect(mine.mfa.map((m) => m.type)).toEqual(['totp', 'recovery_codes']);
    expect(mine.mfa[1]!.hashes).toHaveLength(9);
    expect(lines.find((l) => l.email === 'plain@camelot.bt')!.mfa).toEqual([]);

    const file = join(tmp.dir, 'export.jsonl');
    writeFileSync(file, text);
    const intoB = await importInto(b.container.db, await openReader('jsonl', file), { dryRun: false, update: false, oauthTokenKey: KEY });
    expect(intoB).toMatchObject({ imported: 2, refused: 0 });
    expect(await exportOf(b)).toBe(text);
    b.container.repos.users.forgetAllCached();
    const challenge = await mfaChallenge(b, 'gorlois@camelot.bt');
    expect(challenge.methods).toEqual(['totp', 'recovery_code']);
    expect((await verify(b, { mfa_token: challenge.mfa_token, recovery_code: recoveryCodes[0] })).statusCode).toBe(400);
    expect((await verify(b, { mfa_token: challenge.mfa_token, code: totpCode(secret, clock) })).statusCode).toBe(200);
    await jwtLogin(b, 'plain@camelot.bt');

    const intoC = await importInto(c.container.db, await openReader('jsonl', file), { dryRun: false, update: false });
    expect(intoC).toMatchObject({ imported: 1, refused: 1 });
    expect(intoC.problems[0]!.reason).toMatch(/sealed under another server key/);
  });
});
