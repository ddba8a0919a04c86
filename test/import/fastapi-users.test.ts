import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox, resolveOAuthMasterKey } from '../../src/crypto/secret-box.js';
import { formatReport, importInto, openReader } from '../../src/import/run-import.js';
import { DIALECTS, TEST_HASH, startServer, type TestServer } from '../support/harness.js';
import { manifest, sourceDb, type SourceDb } from '../support/import-sources.js';
import { auth, coreUser, form, sb } from '../support/users-fixtures.js';

const CURRENT = `$argon2id$v=19$m=${TEST_HASH.memoryCost},t=${TEST_HASH.timeCost},p=${TEST_HASH.parallelism}$`;
const USERS = manifest().fastapi_users;
const byEmail = (email: string) => USERS.find((u) => u.email === email)!;

/**
 * A FastAPI Users database (fastapi-users-db-sqlalchemy's tables, filled by SQLAlchemy with
 * passlib bcrypt and pwdlib argon2id hashes) imported, then logged into through the users face.
 */
describe.each(DIALECTS)('import fastapi-users (%s source and target)', (dialect) => {
  let s: TestServer;
  let src: SourceDb;
  beforeAll(async () => {
    s = await startServer(dialect);
    src = await sourceDb(dialect, 'fastapi-users');
    // Someone already took Bedivere's address in Tessera (case differs: still the same email).
    await coreUser(s, 'bedivere@camelot.bt');
  });
  afterAll(async () => {
    await s.close();
    await src.drop();
  });

  const run = async (opts: { dryRun?: boolean; update?: boolean } = {}) =>
    importInto(s.container.db, await openReader('fastapi-users', src.source), { dryRun: opts.dryRun ?? false, update: opts.update ?? false });
  const login = (username: string, password: string) => s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username, password }) });
  const stored = async (id: string) => (await s.container.repos.users.findById(id))?.passwordHash;

  it('a dry run reports what would happen and writes nothing', async () => {
    const r = await run({ dryRun: true });
    expect(r).toMatchObject({ imported: 3, updated: 0, skipped: 0, conflicts: 1, unknownHashFormats: 1, refused: 1 });
    expect(await s.container.repos.users.findById(byEmail('lancelot@camelot.bt').id)).toBeUndefined();
    expect(formatReport(r, true)).toMatch(/^dry run \(nothing written\): would have imported 3, updated 0, skipped 0, conflicts 1, unknown hash formats 1, refused 1\n/);
  });

  it('imports ids, emails and flags; reports the conflict, the unknown format and the absurd cost, never a hash', async () => {
    const r = await run();
    expect(r).toMatchObject({ imported: 3, updated: 0, skipped: 0, conflicts: 1, unknownHashFormats: 1, refused: 1 });
    const text = formatReport(r, false);
    expect(text).toContain(`conflict: ${byEmail('Bedivere@Camelot.bt').id}: email already belongs to another user`);
    expect(text).toContain(`unknown hash format: ${byEmail('agravain@camelot.bt').id}`);
    expect(text).toContain(`refused: ${byEmail('galahad@camelot.bt').id}: bcrypt cost 31 is outside 4..14`);
    expect(text).not.toMatch(/\$2b\$|\$argon2|\$1\$/);
    expect(await s.container.repos.users.findById(byEmail('galahad@camelot.bt').id)).toBeUndefined();
  });

  it('the original passwords log in through the users face, and the hashes become argon2id', async () => {
    for (const email of ['lancelot@camelot.bt', 'gawain@camelot.bt']) {
      const u = byEmail(email);
      expect(await stored(u.id)).not.toMatch(/^\$argon2id\$v=19\$m=1024/);
      expect(sb(await login(email, 'not the password'))).toEqual({ status: 400, body: { detail: 'LOGIN_BAD_CREDENTIALS' } });
      const res = await login(email, u.password);
      expect(res.statusCode).toBe(200);
      const me = await s.app.inject({ method: 'GET', url: '/users/me', headers: auth(res.json().access_token) });
      expect(me.json()).toEqual({ id: u.id, email, username: null, is_active: true, is_superuser: u.is_superuser, is_verified: u.is_verified, scopes: [] });
      expect((await stored(u.id))!.startsWith(CURRENT)).toBe(true);
    }
  });

  it('an inactive user stays inactive', async () => {
    const u = byEmail('mordred@camelot.bt');
    expect(sb(await login(u.email, u.password))).toEqual({ status: 400, body: { detail: 'LOGIN_BAD_CREDENTIALS' } });
    expect((await s.container.repos.users.findById(u.id))!.isActive).toBe(false);
  });

  it('linked provider accounts come along, their tokens sealed as social login seals them', async () => {
    const u = byEmail('gawain@camelot.bt');
    const accounts = await s.container.repos.oauthAccounts.listForUser(u.id);
    expect(accounts.map((a) => [a.provider, a.accountId, a.accountEmail, a.expiresAt]).sort()).toEqual([
      ['github', '1001', 'gawain@camelot.bt', 1893456000_000],
      ['google', '110000000000000000002', 'gawain@gmail.example', null],
    ]);
    const key = await resolveOAuthMasterKey({ configured: undefined, secrets: s.container.repos.serverSecrets, now: Date.now() });
    const box = createSecretBox(key, 'oauth-tokens');
    const github = accounts.find((a) => a.provider === 'github')!;
    expect(github.accessTokenEnc).not.toContain('gho_');
    expect(box.open(github.accessTokenEnc)).toBe('gho_fixtureAccessToken01');
    expect(box.open(github.refreshTokenEnc!)).toBe('ghr_fixtureRefreshToken01');
    expect(accounts.find((a) => a.provider === 'google')!.refreshTokenEnc).toBeNull();
  });

  it('a re-run skips what is there; --update rewrites it from the source', async () => {
    expect(await run()).toMatchObject({ imported: 0, updated: 0, skipped: 3, conflicts: 1 });
    await s.container.repos.users.update(byEmail('mordred@camelot.bt').id, { isActive: true });
    expect(await run({ update: true })).toMatchObject({ imported: 0, updated: 3, skipped: 0, conflicts: 1 });
    expect((await s.container.repos.users.findById(byEmail('mordred@camelot.bt').id))!.isActive).toBe(false);
    expect(await s.container.repos.oauthAccounts.listForUser(byEmail('gawain@camelot.bt').id)).toHaveLength(2);
  });
});
