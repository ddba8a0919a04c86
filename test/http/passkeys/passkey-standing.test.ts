import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICIES } from '../../../src/http/plugins/rate-limit-policies.js';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { ORIGIN, WEBAUTHN_INVALID, passkeyLogin, registerPasskey } from '../../support/passkey-client.js';
import { SoftAuthenticator } from '../../support/soft-authenticator.js';
import { auth, coreUser, jwtLogin, sb } from '../../support/users-fixtures.js';

/** Passkey login under TESSERA_REQUIRE_VERIFIED, and the routes' rate limits. */
describe.each(DIALECTS)('passkey login standing and limits (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_REQUIRE_VERIFIED: 'true', TESSERA_RATE_LIMITS: 'on' });
  });
  afterAll(async () => { await s.close(); });

  it('TESSERA_REQUIRE_VERIFIED: an unverified user\'s passkey login is LOGIN_USER_NOT_VERIFIED, as for a password login', async () => {
    const user = await coreUser(s, 'tristan@camelot.bt', { isVerified: true });
    const key = new SoftAuthenticator(ORIGIN);
    expect((await registerPasskey(s, (await jwtLogin(s, 'tristan@camelot.bt')).access_token, key)).statusCode).toBe(201);
    expect((await passkeyLogin(s, key)).statusCode).toBe(200);
    await s.container.repos.users.update(user.id, { isVerified: false });
    expect(sb(await passkeyLogin(s, key))).toEqual({ status: 400, body: { detail: 'LOGIN_USER_NOT_VERIFIED' } });
  });

  it('the verify routes are limited per client address', async () => {
    const max = POLICIES.passkey.perAddress.max;
    const remoteAddress = '198.51.100.7';
    const verify = () => s.app.inject({ method: 'POST', url: '/auth/webauthn/login/verify', remoteAddress, payload: { flow_id: crypto.randomUUID(), credential: {} } });
    for (let i = 0; i < max; i++) expect(sb(await verify())).toEqual(WEBAUTHN_INVALID);
    const limited = await verify();
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ detail: 'Too Many Requests' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('registration verify is limited per account too', async () => {
    await coreUser(s, 'isolde@camelot.bt', { isVerified: true });
    const token = (await jwtLogin(s, 'isolde@camelot.bt')).access_token;
    const max = POLICIES.passkey.perAccount!.max;
    let last = 0;
    // From many addresses, so only the account's limit can be what stops it.
    for (let i = 0; i <= max; i++) {
      last = (await s.app.inject({ method: 'POST', url: '/auth/webauthn/register/verify', remoteAddress: `203.0.113.${i + 1}`, headers: auth(token), payload: { credential: {} } })).statusCode;
      if (i < max) expect(last).toBe(400);
    }
    expect(last).toBe(429);
  });
});

describe.each(DIALECTS)('passkeys with the wisdom /users API (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_USERS_ADMIN_API: 'wisdom' }); });
  afterAll(async () => { await s.close(); });

  it('the passkey routes exist in both modes', async () => {
    await coreUser(s, 'bedivere@camelot.bt');
    const key = new SoftAuthenticator(ORIGIN);
    expect((await registerPasskey(s, (await jwtLogin(s, 'bedivere@camelot.bt')).access_token, key)).statusCode).toBe(201);
    expect((await passkeyLogin(s, key)).statusCode).toBe(200);
  });
});
