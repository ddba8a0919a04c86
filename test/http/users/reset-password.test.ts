import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, readOutbox, startServer, type TestServer } from '../../support/harness.js';
import { PASSWORD, UNAUTHORIZED, auth, coreUser, form, jwtLogin, sb } from '../../support/users-fixtures.js';

const BAD_TOKEN = { status: 400, body: { detail: 'RESET_PASSWORD_BAD_TOKEN' } };
const NEW_PASSWORD = 'excalibur is mine';

describe.each(DIALECTS)('POST /auth/forgot-password and /auth/reset-password (%s)', (dialect) => {
  let s: TestServer;
  let clockOffset = 0;
  beforeAll(async () => {
    s = await startServer(dialect, {}, { now: () => Date.now() + clockOffset });
  });
  afterAll(async () => { await s.close(); });

  /** Reset mails sent to `to` so far (after every background send has finished). */
  async function resetMails(to: string) {
    await s.container.accountTokens.drain();
    return (await readOutbox(s.outbox, 0)).filter((m) => m.to === to && m.kind === 'reset');
  }
  const forgot = (email: unknown) => s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email } as object });
  const reset = (token: unknown, password: unknown) => s.app.inject({ method: 'POST', url: '/auth/reset-password', payload: { token, password } as object });
  async function resetToken(email: string): Promise<string> {
    const before = (await resetMails(email)).length;
    expect((await forgot(email)).statusCode).toBe(202);
    const mails = await resetMails(email);
    expect(mails).toHaveLength(before + 1);
    return mails.at(-1)!.token;
  }
  const canLogin = async (username: string, password: string) =>
    (await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username, password }) })).statusCode === 200;

  it('forgot-password answers 202 with null and mails a reset link built from TESSERA_PUBLIC_URL', async () => {
    await coreUser(s, 'arthur@camelot.bt');
    const res = await forgot('ARTHUR@camelot.bt');
    expect(res.statusCode).toBe(202);
    expect(res.body).toBe('null');
    const [mail] = await resetMails('arthur@camelot.bt');
    expect(mail).toMatchObject({ kind: 'reset', subject: 'Reset your password' });
    expect(mail!.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mail!.text).toContain(`http://tessera.test/reset-password?token=${mail!.token}`);
  });

  it('forgot-password answers 202 and mails nothing for an unknown or inactive user', async () => {
    await coreUser(s, 'mordred@camelot.bt', { isActive: false });
    for (const email of ['nobody@camelot.bt', 'mordred@camelot.bt']) {
      const res = await forgot(email);
      expect(res.statusCode).toBe(202);
      expect(res.body).toBe('null');
      expect(await resetMails(email)).toEqual([]);
    }
  });

  it('forgot-password answers 422 for a missing or invalid email', async () => {
    expect(sb(await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: {} }))).toEqual({
      status: 422, body: { detail: [{ loc: ['body', 'email'], msg: 'Field required', type: 'missing' }] },
    });
    expect((await forgot('no-at-sign')).statusCode).toBe(422);
    expect((await forgot(['a@b.co'])).statusCode).toBe(422);
  });

  it('reset-password sets the new password: 200, old password refused, new one works', async () => {
    await coreUser(s, 'kay@camelot.bt');
    const token = await resetToken('kay@camelot.bt');
    const res = await reset(token, NEW_PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('null');
    expect(await canLogin('kay@camelot.bt', PASSWORD)).toBe(false);
    expect(await canLogin('kay@camelot.bt', NEW_PASSWORD)).toBe(true);
  });

  it('a reset token is single use, and using one kills the other outstanding ones', async () => {
    await coreUser(s, 'gareth@camelot.bt');
    const first = await resetToken('gareth@camelot.bt');
    const second = await resetToken('gareth@camelot.bt');
    expect((await reset(first, NEW_PASSWORD)).statusCode).toBe(200);
    expect(sb(await reset(first, 'yet another password'))).toEqual(BAD_TOKEN);
    expect(sb(await reset(second, 'yet another password'))).toEqual(BAD_TOKEN);
    expect(await canLogin('gareth@camelot.bt', NEW_PASSWORD)).toBe(true);
  });

  it('of simultaneous resets with one token, exactly one succeeds', async () => {
    await coreUser(s, 'race@camelot.bt');
    const token = await resetToken('race@camelot.bt');
    const passwords = Array.from({ length: 6 }, (_, i) => `racing password ${i}`);
    const results = await Promise.all(passwords.map((p) => reset(token, p)));
    const winners = results.flatMap((r, i) => (r.statusCode === 200 ? [passwords[i]!] : []));
    expect(winners).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 200)) expect(sb(r)).toEqual(BAD_TOKEN);
    expect(await canLogin('race@camelot.bt', winners[0]!)).toBe(true);
  });

  it('refuses an unknown token', async () => {
    expect(sb(await reset('A'.repeat(43), NEW_PASSWORD))).toEqual(BAD_TOKEN);
    expect(sb(await reset('', NEW_PASSWORD))).toEqual(BAD_TOKEN);
  });

  it('refuses an expired token (reset tokens live 1 hour)', async () => {
    await coreUser(s, 'bors@camelot.bt');
    const token = await resetToken('bors@camelot.bt');
    clockOffset = 3600_000 + 1000;
    try {
      expect(sb(await reset(token, NEW_PASSWORD))).toEqual(BAD_TOKEN);
    } finally {
      clockOffset = 0;
    }
    expect(await canLogin('bors@camelot.bt', PASSWORD)).toBe(true);
  });

  it('an invalid new password is refused with a reason and leaves the token usable', async () => {
    await coreUser(s, 'lamorak@camelot.bt');
    const token = await resetToken('lamorak@camelot.bt');
    expect(sb(await reset(token, 'short'))).toEqual({
      status: 400, body: { detail: { code: 'RESET_PASSWORD_INVALID_PASSWORD', reason: 'Password should be at least 8 characters' } },
    });
    expect(sb(await reset(token, 'Lamorak@Camelot.bt'))).toEqual({
      status: 400, body: { detail: { code: 'RESET_PASSWORD_INVALID_PASSWORD', reason: 'Password should not be the same as your email or username' } },
    });
    expect((await reset(token, NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('a reset token dies when the password changes another way', async () => {
    await coreUser(s, 'dagonet@camelot.bt');
    const token = await resetToken('dagonet@camelot.bt');
    const { access_token } = await jwtLogin(s, 'dagonet@camelot.bt');
    const patch = await s.app.inject({ method: 'PATCH', url: '/users/me', headers: auth(access_token), payload: { password: 'changed the usual way' } });
    expect(patch.statusCode).toBe(200);
    expect(sb(await reset(token, NEW_PASSWORD))).toEqual(BAD_TOKEN);
    expect(await canLogin('dagonet@camelot.bt', 'changed the usual way')).toBe(true);
  });

  it('a reset token mailed before an email change dies with the change (self, admin)', async () => {
    await coreUser(s, 'beaumains@camelot.bt');
    const token = await resetToken('beaumains@camelot.bt');
    const { access_token } = await jwtLogin(s, 'beaumains@camelot.bt');
    const patch = await s.app.inject({ method: 'PATCH', url: '/users/me', headers: auth(access_token), payload: { email: 'beaumains@orkney.bt' } });
    expect(patch.statusCode).toBe(200);
    expect(sb(await reset(token, NEW_PASSWORD))).toEqual(BAD_TOKEN);
    expect(await canLogin('beaumains@orkney.bt', PASSWORD)).toBe(true);

    const u = await coreUser(s, 'gaheris@camelot.bt');
    const other = await resetToken('gaheris@camelot.bt');
    const admin = await coreUser(s, 'reset-admin@camelot.bt', { isSuperuser: true, isVerified: true });
    const adminToken = (await jwtLogin(s, admin.email!)).access_token;
    expect((await s.app.inject({ method: 'PATCH', url: `/users/${u.id}`, headers: auth(adminToken), payload: { email: 'gaheris@orkney.bt' } })).statusCode).toBe(200);
    expect(sb(await reset(other, NEW_PASSWORD))).toEqual(BAD_TOKEN);
  });

  it('a reset token is bound to the address it was mailed to, even if it outlived the change', async () => {
    const u = await coreUser(s, 'agravaine@camelot.bt');
    const token = await resetToken('agravaine@camelot.bt');
    // A change that did not go through the user service (e.g. an import) leaves the token row in place.
    await s.container.repos.users.update(u.id, { email: 'agravaine@orkney.bt' });
    expect(sb(await reset(token, NEW_PASSWORD))).toEqual(BAD_TOKEN);
    // Back to the address it was mailed to: the token (unspent) works again, as it was sent to this owner.
    await s.container.repos.users.update(u.id, { email: 'agravaine@camelot.bt' });
    expect((await reset(token, NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('a reset token of a user deactivated since is refused', async () => {
    const u = await coreUser(s, 'pellinore@camelot.bt');
    const token = await resetToken('pellinore@camelot.bt');
    await s.container.repos.users.update(u.id, { isActive: false });
    expect(sb(await reset(token, NEW_PASSWORD))).toEqual(BAD_TOKEN);
  });

  it('a reset ends every session of the user: access tokens get 401, refresh tokens are dead', async () => {
    await coreUser(s, 'ector@camelot.bt');
    const a = await jwtLogin(s, 'ector@camelot.bt');
    const b = await jwtLogin(s, 'ector@camelot.bt');
    const token = await resetToken('ector@camelot.bt');
    expect((await reset(token, NEW_PASSWORD)).statusCode).toBe(200);
    for (const t of [a, b]) {
      expect(sb(await s.app.inject({ url: '/users/me', headers: auth(t.access_token) }))).toEqual(UNAUTHORIZED);
      await expect(s.container.sessions.refresh(t.refresh_token)).rejects.toThrow();
    }
  });

  it('answers 422 for missing or mistyped fields', async () => {
    expect(sb(await s.app.inject({ method: 'POST', url: '/auth/reset-password', payload: { token: 'x' } }))).toEqual({
      status: 422, body: { detail: [{ loc: ['body', 'password'], msg: 'Field required', type: 'missing' }] },
    });
    expect(sb(await s.app.inject({ method: 'POST', url: '/auth/reset-password', payload: { password: NEW_PASSWORD } }))).toEqual({
      status: 422, body: { detail: [{ loc: ['body', 'token'], msg: 'Field required', type: 'missing' }] },
    });
    expect((await reset({ $ne: null }, NEW_PASSWORD)).statusCode).toBe(422);
  });
});
