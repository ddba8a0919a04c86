import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, readOutbox, startServer, type TestServer } from '../../support/harness.js';
import { auth, coreUser, jwtLogin, sb, superuser } from '../../support/users-fixtures.js';

const BAD_TOKEN = { status: 400, body: { detail: 'VERIFY_USER_BAD_TOKEN' } };

describe.each(DIALECTS)('POST /auth/request-verify-token and /auth/verify (%s)', (dialect) => {
  let s: TestServer;
  let clockOffset = 0;
  beforeAll(async () => {
    s = await startServer(dialect, {}, { now: () => Date.now() + clockOffset });
  });
  afterAll(async () => { await s.close(); });

  async function verifyMails(to: string) {
    await s.container.accountTokens.drain();
    return (await readOutbox(s.outbox, 0)).filter((m) => m.to === to && m.kind === 'verify');
  }
  const requestVerify = (email: unknown) => s.app.inject({ method: 'POST', url: '/auth/request-verify-token', payload: { email } as object });
  const verify = (token: unknown) => s.app.inject({ method: 'POST', url: '/auth/verify', payload: { token } as object });
  async function verifyToken(email: string): Promise<string> {
    const before = (await verifyMails(email)).length;
    expect((await requestVerify(email)).statusCode).toBe(202);
    const mails = await verifyMails(email);
    expect(mails).toHaveLength(before + 1);
    return mails.at(-1)!.token;
  }

  it('request-verify-token answers 202 with null and mails a verify link', async () => {
    await coreUser(s, 'arthur@camelot.bt');
    const res = await requestVerify('Arthur@Camelot.bt');
    expect(res.statusCode).toBe(202);
    expect(res.body).toBe('null');
    const [mail] = await verifyMails('arthur@camelot.bt');
    expect(mail).toMatchObject({ kind: 'verify', subject: 'Verify your email' });
    expect(mail!.text).toContain(`http://tessera.test/verify?token=${mail!.token}`);
  });

  it('answers 202 and mails nothing for a verified, an inactive or an unknown user', async () => {
    await coreUser(s, 'galahad@camelot.bt', { isVerified: true });
    await coreUser(s, 'mordred@camelot.bt', { isActive: false });
    for (const email of ['galahad@camelot.bt', 'mordred@camelot.bt', 'nobody@camelot.bt']) {
      const res = await requestVerify(email);
      expect(res.statusCode).toBe(202);
      expect(await verifyMails(email)).toEqual([]);
    }
  });

  it('request-verify-token answers 422 for a missing or invalid email', async () => {
    expect(sb(await s.app.inject({ method: 'POST', url: '/auth/request-verify-token', payload: {} }))).toEqual({
      status: 422, body: { detail: [{ loc: ['body', 'email'], msg: 'Field required', type: 'missing' }] },
    });
    expect((await requestVerify('nope')).statusCode).toBe(422);
    expect((await requestVerify(42)).statusCode).toBe(422);
  });

  it('verify answers 200 with the UserRead, now verified', async () => {
    const u = await coreUser(s, 'percival@camelot.bt');
    const res = await verify(await verifyToken('percival@camelot.bt'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: u.id, email: 'percival@camelot.bt', username: null, is_active: true, is_superuser: false, is_verified: true, scopes: [] });
    const { access_token } = await jwtLogin(s, 'percival@camelot.bt');
    expect((await s.app.inject({ url: '/users/me', headers: auth(access_token) })).json().is_verified).toBe(true);
  });

  it('a verify token is single use; a second outstanding token then says ALREADY_VERIFIED', async () => {
    await coreUser(s, 'gawain@camelot.bt');
    const first = await verifyToken('gawain@camelot.bt');
    const second = await verifyToken('gawain@camelot.bt');
    expect((await verify(first)).statusCode).toBe(200);
    expect(sb(await verify(first))).toEqual(BAD_TOKEN);
    expect(sb(await verify(second))).toEqual({ status: 400, body: { detail: 'VERIFY_USER_ALREADY_VERIFIED' } });
  });

  it('of simultaneous verifications with one token, exactly one succeeds', async () => {
    await coreUser(s, 'race@camelot.bt');
    const token = await verifyToken('race@camelot.bt');
    const results = await Promise.all(Array.from({ length: 6 }, () => verify(token)));
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 200)) expect(sb(r)).toEqual(BAD_TOKEN);
  });

  it('refuses an unknown token', async () => {
    expect(sb(await verify('B'.repeat(43)))).toEqual(BAD_TOKEN);
    expect(sb(await verify(''))).toEqual(BAD_TOKEN);
  });

  it('refuses an expired token (verify tokens live 24 hours)', async () => {
    await coreUser(s, 'bors@camelot.bt');
    const token = await verifyToken('bors@camelot.bt');
    clockOffset = 24 * 3600_000 + 1000;
    try {
      expect(sb(await verify(token))).toEqual(BAD_TOKEN);
    } finally {
      clockOffset = 0;
    }
  });

  it('a verify token dies when the user changes the email', async () => {
    await coreUser(s, 'tristan@camelot.bt');
    const token = await verifyToken('tristan@camelot.bt');
    const { access_token } = await jwtLogin(s, 'tristan@camelot.bt');
    const patch = await s.app.inject({ method: 'PATCH', url: '/users/me', headers: auth(access_token), payload: { email: 'tristan@lyonesse.bt' } });
    expect(patch.statusCode).toBe(200);
    expect(sb(await verify(token))).toEqual(BAD_TOKEN);
    // The new address gets its own token, which works.
    expect((await verify(await verifyToken('tristan@lyonesse.bt'))).json().is_verified).toBe(true);
  });

  it('a verify token dies when an admin changes the email', async () => {
    const u = await coreUser(s, 'isolde@camelot.bt');
    const token = await verifyToken('isolde@camelot.bt');
    const admin = await superuser(s);
    const patch = await s.app.inject({ method: 'PATCH', url: `/users/${u.id}`, headers: auth(admin.token), payload: { email: 'isolde@ireland.bt' } });
    expect(patch.statusCode).toBe(200);
    expect(sb(await verify(token))).toEqual(BAD_TOKEN);
  });

  it('refuses the token of a user deactivated since', async () => {
    const u = await coreUser(s, 'pelleas@camelot.bt');
    const token = await verifyToken('pelleas@camelot.bt');
    await s.container.repos.users.update(u.id, { isActive: false });
    expect(sb(await verify(token))).toEqual(BAD_TOKEN);
  });

  it('verify answers 422 for a missing or mistyped token', async () => {
    expect(sb(await s.app.inject({ method: 'POST', url: '/auth/verify', payload: {} }))).toEqual({
      status: 422, body: { detail: [{ loc: ['body', 'token'], msg: 'Field required', type: 'missing' }] },
    });
    expect(sb(await verify(123))).toEqual({
      status: 422, body: { detail: [{ loc: ['body', 'token'], msg: 'Input should be a valid string', type: 'type_error' }] },
    });
  });
});
