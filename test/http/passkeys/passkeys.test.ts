import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { claimsOf } from '../../support/faces-client.js';
import { ORIGIN, WEBAUTHN_INVALID, loginOptions, loginVerify, passkeyLogin, registerPasskey, registrationOptions } from '../../support/passkey-client.js';
import { SoftAuthenticator } from '../../support/soft-authenticator.js';
import { UNAUTHORIZED, auth, coreUser, nonFreshToken, sb } from '../../support/users-fixtures.js';

/**
 * A fresh users-face session opened by core, as a password login would: once a user holds a
 * passkey, a password login asks for the second factor (docs/mfa.md), which these tests do not test.
 */
async function signIn(s: TestServer, login: string) {
  const user = await s.container.repos.users.findByLogin(login);
  if (!user) throw new Error(`no user ${login}`);
  const t = await s.container.sessions.startSession(user, { profile: 'users' });
  return { access_token: t.accessToken, refresh_token: t.refreshToken! };
}

describe.each(DIALECTS)('passkeys (%s)', (dialect) => {
  let s: TestServer;
  // The server's clock runs with real time plus a skew a test may move forward.
  let skew = 0;
  let arthur: string;

  beforeAll(async () => {
    s = await startServer(dialect, {}, { now: () => Date.now() + skew });
    await coreUser(s, 'arthur@camelot.bt', { username: 'arthur' });
    await coreUser(s, 'lancelot@camelot.bt', { username: 'lancelot' });
    await coreUser(s, 'kay@camelot.bt');
    arthur = (await signIn(s, 'arthur')).access_token;
  });
  afterAll(async () => { await s.close(); });

  describe('registration', () => {
    it('options: WebAuthn creation options for this relying party, passkey and user verification required', async () => {
      const options = await registrationOptions(s, arthur);
      expect(options.rp).toEqual({ id: 'tessera.test', name: 'tessera.test' });
      expect(options.user.name).toBe('arthur@camelot.bt');
      expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
      expect(options.attestation).toBe('none');
      expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{32,}$/);
      expect(options.pubKeyCredParams.map((p: { alg: number }) => p.alg)).toContain(-7);
    });

    it('options need a signed-in caller with a fresh token', async () => {
      const login = await signIn(s, 'lancelot');
      const stale = await nonFreshToken(s, login.refresh_token);
      const res = await s.app.inject({ method: 'POST', url: '/auth/webauthn/register/options', headers: auth(stale) });
      expect(sb(res)).toEqual({ status: 403, body: { detail: 'FRESH_TOKEN_REQUIRED' } });
      expect(sb(await s.app.inject({ method: 'POST', url: '/auth/webauthn/register/options' }))).toEqual(UNAUTHORIZED);
    });

    it('verify stores the passkey: 201 {id, name, created_at}; the list shows it', async () => {
      const key = new SoftAuthenticator(ORIGIN);
      const { access_token: token } = await signIn(s, 'kay@camelot.bt');
      const res = await registerPasskey(s, token, key, {}, 'Phone');
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toEqual({ id: key.credentials[0]!.id, name: 'Phone', created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) });
      const list = await s.app.inject({ url: '/auth/webauthn/credentials', headers: auth(token) });
      expect(sb(list)).toEqual({ status: 200, body: [{ ...body, last_used_at: null }] });
      // The next options exclude it, so the same authenticator is not registered twice.
      const again = await registrationOptions(s, token);
      expect(again.excludeCredentials).toEqual([{ id: body.id, type: 'public-key', transports: ['internal', 'hybrid'] }]);
    });

    it('a name is optional; the backup state is stored', async () => {
      const key = new SoftAuthenticator(ORIGIN, { backupEligible: true });
      const { access_token: token } = await signIn(s, 'kay@camelot.bt');
      const res = await registerPasskey(s, token, key);
      expect(res.statusCode).toBe(201);
      expect(res.json().name).toBe('Passkey');
      const stored = await s.container.repos.passkeys.findById(res.json().id);
      expect(stored).toMatchObject({ backedUp: true, deviceType: 'multiDevice', counter: 0 });
    });

    it('refuses a wrong origin, no user verification, a replayed or foreign challenge', async () => {
      const { access_token: token } = await signIn(s, 'kay@camelot.bt');
      expect(sb(await registerPasskey(s, token, new SoftAuthenticator(ORIGIN), { origin: 'https://evil.test' }))).toEqual(WEBAUTHN_INVALID);
      expect(sb(await registerPasskey(s, token, new SoftAuthenticator(ORIGIN), { uv: false }))).toEqual(WEBAUTHN_INVALID);
      expect(sb(await registerPasskey(s, token, new SoftAuthenticator(ORIGIN), { challenge: 'bm90LWlzc3VlZC1ieS10aGUtc2VydmVy' }))).toEqual(WEBAUTHN_INVALID);
      // The same response twice: the challenge was spent by the first.
      const options = await registrationOptions(s, token);
      const credential = new SoftAuthenticator(ORIGIN).create(options);
      const verify = () => s.app.inject({ method: 'POST', url: '/auth/webauthn/register/verify', headers: auth(token), payload: { credential } });
      expect((await verify()).statusCode).toBe(201);
      expect(sb(await verify())).toEqual(WEBAUTHN_INVALID);
    });

    it('only the transports WebAuthn defines are kept', async () => {
      const { access_token: token } = await signIn(s, 'kay@camelot.bt');
      const credential = new SoftAuthenticator(ORIGIN).create(await registrationOptions(s, token));
      credential.response.transports = ['usb', '<script>', 'usb', 'nfc'];
      const res = await s.app.inject({ method: 'POST', url: '/auth/webauthn/register/verify', headers: auth(token), payload: { credential } });
      expect(res.statusCode).toBe(201);
      expect((await s.container.repos.passkeys.findById(res.json().id))!.transports).toEqual(['usb', 'nfc']);
    });

    it('a registration challenge belongs to the session that asked for it', async () => {
      const mine = (await signIn(s, 'kay@camelot.bt')).access_token;
      const otherSession = (await signIn(s, 'kay@camelot.bt')).access_token;
      const otherUser = (await signIn(s, 'lancelot')).access_token;
      const credential = new SoftAuthenticator(ORIGIN).create(await registrationOptions(s, mine));
      for (const token of [otherSession, otherUser]) {
        const res = await s.app.inject({ method: 'POST', url: '/auth/webauthn/register/verify', headers: auth(token), payload: { credential } });
        expect(sb(res)).toEqual(WEBAUTHN_INVALID);
      }
      const res = await s.app.inject({ method: 'POST', url: '/auth/webauthn/register/verify', headers: auth(mine), payload: { credential } });
      expect(res.statusCode).toBe(201);
    });

    it('bad input: 422 without a credential object, 400 for garbage inside it, 401 unauthenticated', async () => {
      const url = '/auth/webauthn/register/verify';
      expect((await s.app.inject({ method: 'POST', url, headers: auth(arthur), payload: {} })).statusCode).toBe(422);
      expect((await s.app.inject({ method: 'POST', url, headers: auth(arthur), payload: { credential: 'x' } })).statusCode).toBe(422);
      for (const credential of [{}, { id: 'x', response: { clientDataJSON: '!!!' } }, { id: 'x', response: { clientDataJSON: 12 } }]) {
        expect(sb(await s.app.inject({ method: 'POST', url, headers: auth(arthur), payload: { credential } }))).toEqual(WEBAUTHN_INVALID);
      }
      expect(sb(await s.app.inject({ method: 'POST', url, payload: { credential: {} } }))).toEqual(UNAUTHORIZED);
    });
  });

  describe('removal', () => {
    it('DELETE: 204 for the caller\'s own with a fresh token; 403 stale; 404 someone else\'s or unknown', async () => {
      const login = await signIn(s, 'lancelot');
      const key = new SoftAuthenticator(ORIGIN);
      const { id } = (await registerPasskey(s, login.access_token, key)).json();
      const url = `/auth/webauthn/credentials/${id}`;
      const stale = await nonFreshToken(s, login.refresh_token);
      expect(sb(await s.app.inject({ method: 'DELETE', url, headers: auth(stale) }))).toEqual({ status: 403, body: { detail: 'FRESH_TOKEN_REQUIRED' } });
      expect(sb(await s.app.inject({ method: 'DELETE', url, headers: auth(arthur) }))).toEqual({ status: 404, body: { detail: 'Not Found' } });
      for (const other of ['nope', 'x'.repeat(3000)]) {
        expect(sb(await s.app.inject({ method: 'DELETE', url: `/auth/webauthn/credentials/${other}`, headers: auth(login.access_token) }))).toEqual({ status: 404, body: { detail: 'Not Found' } });
      }
      expect(sb(await s.app.inject({ method: 'DELETE', url }))).toEqual(UNAUTHORIZED);
      const res = await s.app.inject({ method: 'DELETE', url, headers: auth(login.access_token) });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect((await s.app.inject({ url: '/auth/webauthn/credentials', headers: auth(login.access_token) })).json()).toEqual([]);
      // A removed passkey logs nobody in.
      expect(sb(await passkeyLogin(s, key))).toEqual(WEBAUTHN_INVALID);
    });
  });

  describe('passwordless login', () => {
    let key: SoftAuthenticator;
    beforeAll(async () => {
      key = new SoftAuthenticator(ORIGIN);
      expect((await registerPasskey(s, arthur, key, {}, 'Laptop')).statusCode).toBe(201);
    });

    it('discoverable: options list no credentials; the assertion logs in (jwt) with a fresh users-profile token', async () => {
      const { flow_id, options } = await loginOptions(s);
      expect(flow_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(options.allowCredentials).toBeUndefined();
      expect(options).toMatchObject({ rpId: 'tessera.test', userVerification: 'required' });
      const res = await loginVerify(s, flow_id, key.get(options));
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body).toEqual({ access_token: expect.any(String), token_type: 'bearer', refresh_token: expect.any(String), expires_in: 900 });
      expect(claimsOf(body.access_token)).toMatchObject({ fresh: true, aud: ['fastapi-users:auth'] });
      const me = await s.app.inject({ url: '/users/me', headers: auth(body.access_token) });
      expect(me.json().email).toBe('arthur@camelot.bt');
      // A fresh login: the token may enrol factors.
      expect((await s.app.inject({ method: 'POST', url: '/auth/webauthn/register/options', headers: auth(body.access_token) })).statusCode).toBe(200);
      const [listed] = (await s.app.inject({ url: '/auth/webauthn/credentials', headers: auth(body.access_token) })).json();
      expect(listed.last_used_at).toMatch(/Z$/);
    });

    it('cookie backend: 204 and the session cookie', async () => {
      const res = await passkeyLogin(s, key, { backend: 'cookie' });
      expect(res.statusCode).toBe(204);
      expect(String(res.headers['set-cookie'])).toMatch(/^tessera_auth=[\w-]+\.[\w-]+\.[\w-]+; Max-Age=900; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      const cookie = String(res.headers['set-cookie']).split(';')[0]!;
      expect((await s.app.inject({ url: '/users/me', headers: { cookie } })).statusCode).toBe(200);
      // From another site's page it is login CSRF.
      const { flow_id, options } = await loginOptions(s);
      const csrf = await s.app.inject({ method: 'POST', url: '/auth/webauthn/login/verify', headers: { origin: 'https://evil.test' }, payload: { flow_id, credential: key.get(options), backend: 'cookie' } });
      expect(sb(csrf)).toEqual({ status: 403, body: { detail: 'Forbidden' } });
    });

    it('with a username: its passkeys are allowed; unknown users look like users without passkeys', async () => {
      const { options } = await loginOptions(s, 'Arthur');
      expect(options.allowCredentials).toEqual([{ id: key.credentials[0]!.id, type: 'public-key', transports: ['internal', 'hybrid'] }]);
      expect((await passkeyLogin(s, key, { username: 'arthur@camelot.bt' })).statusCode).toBe(200);
      const unknown = await loginOptions(s, 'mordred');
      await coreUser(s, 'percival@camelot.bt');
      const without = await loginOptions(s, 'percival@camelot.bt');
      expect(Object.keys(unknown.options).sort()).toEqual(Object.keys(without.options).sort());
      expect(unknown.options.allowCredentials).toEqual([]);
      expect(without.options.allowCredentials).toEqual([]);
      // A flow for a named user is completed by that user's passkey only, and one for an unknown name by none.
      expect(sb(await loginVerify(s, unknown.flow_id, key.get(unknown.options)))).toEqual(WEBAUTHN_INVALID);
      expect(sb(await loginVerify(s, without.flow_id, key.get(without.options)))).toEqual(WEBAUTHN_INVALID);
    });

    it('a flow is single use: a replayed assertion or flow is refused', async () => {
      const { flow_id, options } = await loginOptions(s);
      const credential = key.get(options);
      expect((await loginVerify(s, flow_id, credential)).statusCode).toBe(200);
      expect(sb(await loginVerify(s, flow_id, credential))).toEqual(WEBAUTHN_INVALID);
      // The same assertion on a new flow: its challenge is not the new one.
      const next = await loginOptions(s);
      expect(sb(await loginVerify(s, next.flow_id, credential))).toEqual(WEBAUTHN_INVALID);
      expect(sb(await loginVerify(s, 'not-a-flow', key.get(next.options)))).toEqual(WEBAUTHN_INVALID);
    });

    it('a challenge expires after five minutes', async () => {
      const { flow_id, options } = await loginOptions(s);
      skew += 5 * 60_000 + 1_000;
      expect(sb(await loginVerify(s, flow_id, key.get(options)))).toEqual(WEBAUTHN_INVALID);
      const fresh = await loginOptions(s);
      skew += 4 * 60_000;
      expect((await loginVerify(s, fresh.flow_id, key.get(fresh.options))).statusCode).toBe(200);
    });

    it('refuses a wrong origin, no user verification, a foreign user handle, a counter that does not increase', async () => {
      expect(sb(await passkeyLogin(s, key, { flaws: { origin: 'https://evil.test' } }))).toEqual(WEBAUTHN_INVALID);
      expect(sb(await passkeyLogin(s, key, { flaws: { uv: false } }))).toEqual(WEBAUTHN_INVALID);
      const lancelotId = (await s.container.repos.users.findByLogin('lancelot'))!.id;
      expect(sb(await passkeyLogin(s, key, { flaws: { userHandle: Buffer.from(lancelotId).toString('base64url') } }))).toEqual(WEBAUTHN_INVALID);
      const stored = await s.container.repos.passkeys.findById(key.credentials[0]!.id);
      // A clone replaying the counter the server last saw, or an older one.
      expect(sb(await passkeyLogin(s, key, { flaws: { counter: stored!.counter } }))).toEqual(WEBAUTHN_INVALID);
      expect(sb(await passkeyLogin(s, key, { flaws: { counter: 1 } }))).toEqual(WEBAUTHN_INVALID);
      expect((await passkeyLogin(s, key)).statusCode).toBe(200);
    });

    it('of two concurrent assertions with the same counter (a clone racing the original), one passes', async () => {
      const a = await loginOptions(s);
      const b = await loginOptions(s);
      const next = (await s.container.repos.passkeys.findById(key.credentials[0]!.id))!.counter + 1;
      const results = await Promise.all([
        loginVerify(s, a.flow_id, key.get(a.options, { counter: next })),
        loginVerify(s, b.flow_id, key.get(b.options, { counter: next })),
      ]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400]);
      key.credentials[0]!.counter = next;
    });

    it('a response without a user handle is judged by its credential alone', async () => {
      expect((await passkeyLogin(s, key, { flaws: { userHandle: null } })).statusCode).toBe(200);
    });

    it('authenticators without a counter (always 0) keep working', async () => {
      const noCounter = new SoftAuthenticator(ORIGIN, { counter: false });
      const { access_token } = await signIn(s, 'lancelot');
      expect((await registerPasskey(s, access_token, noCounter)).statusCode).toBe(201);
      expect((await passkeyLogin(s, noCounter)).statusCode).toBe(200);
      expect((await passkeyLogin(s, noCounter)).statusCode).toBe(200);
    });

    it('another user\'s passkey does not complete a flow named for this user', async () => {
      const other = new SoftAuthenticator(ORIGIN);
      expect((await registerPasskey(s, (await signIn(s, 'lancelot')).access_token, other)).statusCode).toBe(201);
      const { flow_id, options } = await loginOptions(s, 'arthur');
      expect(sb(await loginVerify(s, flow_id, other.get({ ...options, allowCredentials: [] })))).toEqual(WEBAUTHN_INVALID);
    });

    it('a deactivated user is refused', async () => {
      const gawain = await coreUser(s, 'gawain@camelot.bt');
      const gk = new SoftAuthenticator(ORIGIN);
      expect((await registerPasskey(s, (await signIn(s, 'gawain@camelot.bt')).access_token, gk)).statusCode).toBe(201);
      await s.container.repos.users.update(gawain.id, { isActive: false });
      expect(sb(await passkeyLogin(s, gk))).toEqual(WEBAUTHN_INVALID);
    });

    it('bad input: 422 for a missing flow or credential or an unknown backend; 400 for garbage credentials', async () => {
      const url = '/auth/webauthn/login/verify';
      for (const payload of [{ credential: {} }, { flow_id: 'x' }, { flow_id: 'x', credential: {}, backend: 'session' }]) {
        expect((await s.app.inject({ method: 'POST', url, payload })).statusCode).toBe(422);
      }
      const { flow_id } = await loginOptions(s);
      expect(sb(await loginVerify(s, flow_id, { id: 'abc', response: { authenticatorData: 'x' } }))).toEqual(WEBAUTHN_INVALID);
      expect((await s.app.inject({ method: 'POST', url: '/auth/webauthn/login/options', payload: { username: 42 } })).statusCode).toBe(422);
      expect((await s.app.inject({ method: 'POST', url: '/auth/webauthn/login/options' })).statusCode).toBe(200);
    });
  });
});
