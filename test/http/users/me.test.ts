import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { FORBIDDEN, PASSWORD, UNAUTHORIZED, auth, coreUser, form, jwtLogin, nonFreshToken, sb } from '../../support/users-fixtures.js';

const FRESH_REQUIRED = { status: 403, body: { detail: 'FRESH_TOKEN_REQUIRED' } };

describe.each(DIALECTS)('GET and PATCH /users/me (%s)', (dialect) => {
  let s: TestServer;
  let clockOffset = 0;
  beforeAll(async () => {
    s = await startServer(dialect, {}, { now: () => Date.now() + clockOffset });
  });
  afterAll(async () => { await s.close(); });

  const me = (token: string) => s.app.inject({ url: '/users/me', headers: auth(token) });
  const patchMe = (token: string, payload: unknown) => s.app.inject({ method: 'PATCH', url: '/users/me', headers: auth(token), payload: payload as object });
  const canLogin = async (username: string, password: string) =>
    (await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username, password }) })).statusCode === 200;

  describe('GET', () => {
    it('returns the current user', async () => {
      const u = await coreUser(s, 'arthur@camelot.bt', { username: 'arthur', scopes: ['read:grail'] });
      const res = await me((await jwtLogin(s, 'arthur')).access_token);
      expect(sb(res)).toEqual({ status: 200, body: { id: u.id, email: 'arthur@camelot.bt', username: 'arthur', is_active: true, is_superuser: false, is_verified: false, scopes: ['read:grail'] } });
    });

    it('is 401 with WWW-Authenticate for a missing, malformed, forged or foreign token', async () => {
      const { access_token } = await jwtLogin(s, 'arthur');
      const [h, p] = access_token.split('.');
      const forged = `${h}.${p}.${'A'.repeat(86)}`;
      const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${p}.`;
      for (const headers of [{}, auth('x.y.z'), auth(forged), auth(none), { authorization: access_token }, { authorization: `Bearer ${access_token} extra` }]) {
        const res = await s.app.inject({ url: '/users/me', headers });
        expect(sb(res)).toEqual(UNAUTHORIZED);
        expect(res.headers['www-authenticate']).toBe('Bearer');
      }
    });

    it('is 401 once the token has expired (15 minutes plus 30 s leeway)', async () => {
      const { access_token } = await jwtLogin(s, 'arthur');
      clockOffset = 900_000 + 31_000;
      try {
        expect(sb(await me(access_token))).toEqual(UNAUTHORIZED);
      } finally {
        clockOffset = 0;
      }
      expect((await me(access_token)).statusCode).toBe(200);
    });

    it('is 401 for a user deactivated or deleted since the token was issued', async () => {
      const a = await coreUser(s, 'mordred@camelot.bt');
      const b = await coreUser(s, 'agravain@camelot.bt');
      const ta = (await jwtLogin(s, 'mordred@camelot.bt')).access_token;
      const tb = (await jwtLogin(s, 'agravain@camelot.bt')).access_token;
      await s.container.repos.users.update(a.id, { isActive: false });
      await s.container.repos.users.delete(b.id);
      expect(sb(await me(ta))).toEqual(UNAUTHORIZED);
      expect(sb(await me(tb))).toEqual(UNAUTHORIZED);
    });

    it('is 403 for a token without the `me` scope', async () => {
      const u = await coreUser(s, 'merlin@camelot.bt', { isSuperuser: true });
      const t = await s.container.sessions.startSession(u, { scope: ['admin'] });
      expect(sb(await me(t.accessToken))).toEqual(FORBIDDEN);
    });
  });

  describe('PATCH', () => {
    it('changes the username (no fresh token needed) and the user logs in with it', async () => {
      await coreUser(s, 'kay@camelot.bt');
      const t = await jwtLogin(s, 'kay@camelot.bt');
      const res = await patchMe(await nonFreshToken(s, t.refresh_token), { username: 'SirKay' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ email: 'kay@camelot.bt', username: 'SirKay' });
      expect(await canLogin('sirkay', PASSWORD)).toBe(true);
    });

    it('a new email sets is_verified false; the new email logs in, the old one no longer', async () => {
      await coreUser(s, 'galahad@camelot.bt', { isVerified: true });
      const t = await jwtLogin(s, 'galahad@camelot.bt');
      const res = await patchMe(t.access_token, { email: 'galahad@carbonek.bt' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ email: 'galahad@carbonek.bt', is_verified: false });
      expect(await canLogin('galahad@carbonek.bt', PASSWORD)).toBe(true);
      expect(await canLogin('galahad@camelot.bt', PASSWORD)).toBe(false);
    });

    it('the same email in another letter case keeps is_verified', async () => {
      await coreUser(s, 'bors@camelot.bt', { isVerified: true });
      const t = await jwtLogin(s, 'bors@camelot.bt');
      const res = await patchMe(await nonFreshToken(s, t.refresh_token), { email: 'Bors@Camelot.bt' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ email: 'Bors@Camelot.bt', is_verified: true });
    });

    it('refuses an email or username another user has, in any case: UPDATE_USER_EMAIL_ALREADY_EXISTS', async () => {
      await coreUser(s, 'lancelot@camelot.bt', { username: 'lancelot' });
      await coreUser(s, 'elaine@camelot.bt');
      const t = await jwtLogin(s, 'elaine@camelot.bt');
      const exists = { status: 400, body: { detail: 'UPDATE_USER_EMAIL_ALREADY_EXISTS' } };
      expect(sb(await patchMe(t.access_token, { email: 'LANCELOT@camelot.bt' }))).toEqual(exists);
      expect(sb(await patchMe(t.access_token, { username: 'Lancelot' }))).toEqual(exists);
      expect((await me(t.access_token)).json()).toMatchObject({ email: 'elaine@camelot.bt', username: null });
    });

    it('refuses an invalid password with UPDATE_USER_INVALID_PASSWORD and a reason', async () => {
      await coreUser(s, 'gareth@camelot.bt');
      const t = await jwtLogin(s, 'gareth@camelot.bt');
      expect(sb(await patchMe(t.access_token, { password: 'short' }))).toEqual({
        status: 400, body: { detail: { code: 'UPDATE_USER_INVALID_PASSWORD', reason: 'Password should be at least 8 characters' } },
      });
      expect(sb(await patchMe(t.access_token, { password: 'GARETH@camelot.bt' }))).toEqual({
        status: 400, body: { detail: { code: 'UPDATE_USER_INVALID_PASSWORD', reason: 'Password should not be the same as your email or username' } },
      });
      // Checked against the email the same request sets.
      expect(sb(await patchMe(t.access_token, { email: 'beaumains@camelot.bt', password: 'beaumains@camelot.bt' }))).toEqual({
        status: 400, body: { detail: { code: 'UPDATE_USER_INVALID_PASSWORD', reason: 'Password should not be the same as your email or username' } },
      });
      expect(await canLogin('gareth@camelot.bt', PASSWORD)).toBe(true);
    });

    it('a non-fresh token cannot change the password or the email: FRESH_TOKEN_REQUIRED', async () => {
      await coreUser(s, 'gaheris@camelot.bt');
      const stale = await nonFreshToken(s, (await jwtLogin(s, 'gaheris@camelot.bt')).refresh_token);
      expect(sb(await patchMe(stale, { password: 'a brand new password' }))).toEqual(FRESH_REQUIRED);
      expect(sb(await patchMe(stale, { new_password: 'a brand new password' }))).toEqual(FRESH_REQUIRED);
      expect(sb(await patchMe(stale, { email: 'gaheris@orkney.bt' }))).toEqual(FRESH_REQUIRED);
      expect((await me(stale)).json().email).toBe('gaheris@camelot.bt');
      expect(await canLogin('gaheris@camelot.bt', PASSWORD)).toBe(true);
    });

    it('a non-fresh token with the right old_password may change the password and the email', async () => {
      await coreUser(s, 'gawain@camelot.bt');
      const stale = await nonFreshToken(s, (await jwtLogin(s, 'gawain@camelot.bt')).refresh_token);
      const res = await patchMe(stale, { old_password: PASSWORD, new_password: 'the green knight' });
      expect(res.statusCode).toBe(200);
      expect(await canLogin('gawain@camelot.bt', 'the green knight')).toBe(true);
      expect(await canLogin('gawain@camelot.bt', PASSWORD)).toBe(false);
      const email = await patchMe(stale, { old_password: 'the green knight', email: 'gawain@orkney.bt' });
      expect(email.statusCode).toBe(200);
      expect(email.json().email).toBe('gawain@orkney.bt');
    });

    it('a wrong old_password is UPDATE_USER_BAD_PASSWORD, even with a fresh token', async () => {
      await coreUser(s, 'ywain@camelot.bt');
      const t = await jwtLogin(s, 'ywain@camelot.bt');
      const bad = { status: 400, body: { detail: 'UPDATE_USER_BAD_PASSWORD' } };
      expect(sb(await patchMe(t.access_token, { old_password: 'not it at all', new_password: 'the lion knight' }))).toEqual(bad);
      expect(sb(await patchMe(await nonFreshToken(s, t.refresh_token), { old_password: 'not it at all', new_password: 'the lion knight' }))).toEqual(bad);
      expect(await canLogin('ywain@camelot.bt', PASSWORD)).toBe(true);
    });

    it('old_password is compared after Unicode normalisation, like login', async () => {
      const composed = 'caf\u00e9 au lait please';
      const decomposed = 'cafe\u0301 au lait please';
      await coreUser(s, 'dinadan@camelot.bt', { password: composed });
      const t = await jwtLogin(s, 'dinadan@camelot.bt', decomposed);
      const res = await patchMe(await nonFreshToken(s, t.refresh_token), { old_password: decomposed, new_password: 'a plain new password' });
      expect(res.statusCode).toBe(200);
    });

    it('a password change ends every other session of the user and keeps the current one', async () => {
      await coreUser(s, 'tor@camelot.bt');
      const current = await jwtLogin(s, 'tor@camelot.bt');
      const other = await jwtLogin(s, 'tor@camelot.bt');
      expect((await patchMe(current.access_token, { password: 'a new password for tor' })).statusCode).toBe(200);
      expect((await me(current.access_token)).statusCode).toBe(200);
      expect(sb(await me(other.access_token))).toEqual(UNAUTHORIZED);
      await expect(s.container.sessions.refresh(other.refresh_token)).rejects.toThrow();
      expect((await s.container.sessions.refresh(current.refresh_token)).accessToken).toBeTruthy();
    });

    it('a username or email change alone ends no session', async () => {
      await coreUser(s, 'lucan@camelot.bt');
      const current = await jwtLogin(s, 'lucan@camelot.bt');
      const other = await jwtLogin(s, 'lucan@camelot.bt');
      expect((await patchMe(current.access_token, { username: 'lucan', email: 'lucan@butler.bt' })).statusCode).toBe(200);
      expect((await me(other.access_token)).statusCode).toBe(200);
    });

    it('ignores privileged fields: a user cannot make themselves superuser, verified or grant scopes', async () => {
      await coreUser(s, 'meleagant@camelot.bt');
      const t = await jwtLogin(s, 'meleagant@camelot.bt');
      const res = await patchMe(t.access_token, { is_superuser: true, is_verified: true, is_active: true, scopes: ['admin'] });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ is_superuser: false, is_verified: false, scopes: [] });
      const again = await jwtLogin(s, 'meleagant@camelot.bt');
      expect((await s.app.inject({ url: '/users', headers: auth(again.access_token) })).statusCode).toBe(403);
    });

    it('a field sent as null is left unchanged (FastAPI Users\' update schemas default to None)', async () => {
      await coreUser(s, 'sagramore@camelot.bt', { username: 'sagramore' });
      const t = await jwtLogin(s, 'sagramore');
      const before = sb(await me(t.access_token));
      const res = await patchMe(t.access_token, { email: null, username: null, password: null, old_password: null, new_password: null });
      expect(sb(res)).toEqual(before);
      expect(await canLogin('sagramore', PASSWORD)).toBe(true);
      // A null next to a real change leaves just that field alone.
      expect(sb(await patchMe(t.access_token, { username: 'sagramor', email: null })).body).toMatchObject({ username: 'sagramor', email: 'sagramore@camelot.bt' });
    });

    it('a username sent as "" is removed, unless that leaves no email either: UPDATE_USER_INVALID_IDENTIFIER', async () => {
      await coreUser(s, 'brunor@camelot.bt', { username: 'brunor' });
      const t = await jwtLogin(s, 'brunor');
      expect(sb(await patchMe(t.access_token, { username: '' })).body).toMatchObject({ username: null, email: 'brunor@camelot.bt' });
      // A user of the simple face has a username and no email.
      await s.container.users.create({ email: null, username: 'palamedes', password: PASSWORD });
      const p = await jwtLogin(s, 'palamedes');
      expect(sb(await patchMe(p.access_token, { username: '' }))).toEqual({
        status: 400, body: { detail: { code: 'UPDATE_USER_INVALID_IDENTIFIER', reason: 'A user needs an email or a username to log in with.' } },
      });
      expect(await canLogin('palamedes', PASSWORD)).toBe(true);
    });

    it('an empty body changes nothing', async () => {
      const t = await jwtLogin(s, 'arthur');
      expect(sb(await patchMe(t.access_token, {}))).toEqual(sb(await me(t.access_token)));
    });

    it('answers 422 for wrong types and a bad email, 401 without a token (before looking at the body)', async () => {
      const t = await jwtLogin(s, 'arthur');
      expect(sb(await patchMe(t.access_token, { email: 'nope' }))).toEqual({
        status: 422, body: { detail: [{ loc: ['body', 'email'], msg: 'Value is not valid', type: 'value_error' }] },
      });
      expect(sb(await patchMe(t.access_token, { password: 12345678 }))).toEqual({
        status: 422, body: { detail: [{ loc: ['body', 'password'], msg: 'Input should be a valid string', type: 'type_error' }] },
      });
      expect(sb(await s.app.inject({ method: 'PATCH', url: '/users/me', payload: { email: 'nope' } }))).toEqual(UNAUTHORIZED);
    });
  });
});
