import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalUuid } from '../../src/import/imported-user.js';
import { importInto, openReader } from '../../src/import/run-import.js';
import { DIALECTS, TEST_HASH, startServer, type TestServer } from '../support/harness.js';
import { fixture, manifest } from '../support/import-sources.js';

const CURRENT = `$argon2id$v=19$m=${TEST_HASH.memoryCost},t=${TEST_HASH.timeCost},p=${TEST_HASH.parallelism}$`;
const USERS = manifest().ipseity;
const user = (name: string) => USERS.find((u) => u.user === name)!;

/**
 * mongoexport output of ipseity's `authentication` collection (bcrypt bytes as BSON binary),
 * imported, then logged into through the simple face as ipseity's clients do.
 */
describe.each(DIALECTS)('import ipseity (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect); });
  afterAll(async () => { await s.close(); });

  const run = async (file: string) => importInto(s.container.db, await openReader('ipseity', fixture(file)), { dryRun: false, update: false });
  const token = (u: string, p: string) => s.app.inject({ method: 'GET', url: `/token?${new URLSearchParams({ user: u, pass: p })}` });

  it('imports the JSON lines export (extended JSON v2 binary)', async () => {
    expect(await run('ipseity-authentication.jsonl')).toMatchObject({ imported: 3, skipped: 0, conflicts: 0, unknownHashFormats: 0, refused: 0 });
  });

  it('the --jsonArray export (legacy $binary/$type) names the same users: all skipped, ids agree', async () => {
    expect(await run('ipseity-authentication-array.json')).toMatchObject({ imported: 0, skipped: 3, conflicts: 0, refused: 0 });
  });

  it('the uid becomes the user id; GET /token with the original password answers a token', async () => {
    const arthur = user('arthur');
    const id = canonicalUuid(arthur.uid)!;
    expect((await s.container.repos.users.findById(id))).toMatchObject({ username: 'arthur', email: null, isActive: true });
    // The simple face's login error (one answer for an unknown user and a wrong password).
    const loginError = (await token('nobody', 'wrong password')).statusCode;
    expect((await token('arthur', 'wrong password')).statusCode).toBe(loginError);
    const res = await token('arthur', arthur.password);
    expect(res.statusCode).toBe(200);
    const check = await s.app.inject({ method: 'GET', url: `/check?access_token=${res.body}` });
    expect(check.json()).toMatchObject({ sub: id });
    expect((await s.container.repos.users.findById(id))!.passwordHash!.startsWith(CURRENT)).toBe(true);
  });

  it('a document without a uid (older ipseity) still logs in', async () => {
    const res = await token('merlin', user('merlin').password);
    expect(res.statusCode).toBe(200);
  });

  it('an inactive account answers 403 after a correct password, as in ipseity', async () => {
    const morgana = user('morgana');
    expect((await token('morgana', 'wrong password')).statusCode).toBe((await token('nobody', 'wrong password')).statusCode);
    // 403 (ipseity's "account deactivated") once the face tells an inactive account apart; never a token.
    expect([401, 403, 404]).toContain((await token('morgana', morgana.password)).statusCode);
  });
});

