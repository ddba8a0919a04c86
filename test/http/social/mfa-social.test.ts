import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { setUpTotp, verify } from '../../support/mfa-client.js';
import { PASSWORD, form, sb } from '../../support/users-fixtures.js';
import { PUBLIC_URL, socialLogin } from './browser.js';
import { startIdp, testOidcEnv, type TestIdp } from './idp.js';

const P = 'testoidc';

/** A provider vouches for the first factor only: a user with a second factor still owes it. */
describe.each(DIALECTS)('social login of a user with a second factor (%s)', (dialect) => {
  let idp: TestIdp;
  let s: TestServer;
  beforeAll(async () => {
    idp = await startIdp([`${PUBLIC_URL}/auth/${P}/callback`]);
    s = await startServer(dialect, {
      ...testOidcEnv(idp),
    });
  });
  afterAll(async () => {
    await s?.close();
    await idp?.close();
  });

  it('answers LOGIN_MFA_REQUIRED at the callback, and the second step finishes the login', async () => {
    const who = { sub: 'viviane-sub', email: 'viviane@idp.test', email_verified: true };
    const first = await socialLogin(s.app, idp, P, who);
    expect(first.res.statusCode).toBe(200);
    const { recoveryCodes } = await setUpTotp(s, first.res.json().access_token, Date.now());

    const again = await socialLogin(s.app, idp, P, who);
    expect(again.res.statusCode).toBe(400);
    const detail = again.res.json().detail as { code: string; mfa_token: string; methods: string[] };
    expect(detail.code).toBe('LOGIN_MFA_REQUIRED');
    expect(detail.methods).toEqual(['totp', 'recovery_code']);
    const done = await verify(s, { mfa_token: detail.mfa_token, recovery_code: recoveryCodes[0] });
    expect(done.statusCode).toBe(200);
    expect(Object.keys(done.json()).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    // Not a password user: the password login path is not what asked.
    const password = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username: 'viviane@idp.test', password: PASSWORD }) });
    expect(sb(password)).toEqual({ status: 400, body: { detail: 'LOGIN_BAD_CREDENTIALS' } });
  });
});
