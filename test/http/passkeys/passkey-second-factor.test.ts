import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { ORIGIN, registerPasskey } from '../../support/passkey-client.js';
import { SoftAuthenticator } from '../../support/soft-authenticator.js';
import { mfaChallenge, verify } from '../../support/mfa-client.js';
import { auth, coreUser, jwtLogin } from '../../support/users-fixtures.js';
import { scrape, valueOf } from '../../support/metrics.js';
import { passkeyLogin } from '../../support/passkey-client.js';
import { eventsOf } from '../../support/audit.js';

/** The real passkeys module behind the second step: enrolment turns the password login into two steps. */
describe.each(DIALECTS)('a passkey as the second factor of a password login (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect); });
  afterAll(async () => { await s.close(); });

  it('a user with a passkey owes it after the password; the assertion completes the login, once', async () => {
    await coreUser(s, 'tristan@camelot.bt');
    const key = new SoftAuthenticator(ORIGIN);
    expect((await registerPasskey(s, (await jwtLogin(s, 'tristan@camelot.bt')).access_token, key)).statusCode).toBe(201);
    expect((await s.app.inject({ url: '/auth/mfa', headers: auth((await s.container.sessions.startSession((await s.container.repos.users.findByLogin('tristan@camelot.bt'))!, { profile: 'users' })).accessToken) })).json())
      .toEqual({ totp: false, webauthn: 1, recovery_codes_left: 0 });

    const logins = async (outcome: string) => valueOf(await scrape(s.app), 'tessera_logins_total', { face: 'users', outcome });
    const [succeeded, required] = [await logins('success'), await logins('mfa_required')];
    const { mfa_token, methods } = await mfaChallenge(s, 'tristan@camelot.bt');
    expect(methods).toContain('webauthn');
    const options = await s.app.inject({ method: 'POST', url: '/auth/mfa/webauthn/options', payload: { mfa_token } });
    expect(options.statusCode).toBe(200);
    const assertion = key.get(options.json());
    const done = await verify(s, { mfa_token, webauthn: assertion });
    expect(done.statusCode, done.body).toBe(200);
    expect(Object.keys(done.json()).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    // Counted as logins of the face: the password step that asked for more, then the completed one.
    expect([await logins('success'), await logins('mfa_required')]).toEqual([succeeded + 1, required + 1]);
    // A passwordless passkey login is a login of the face too.
    expect((await passkeyLogin(s, key)).statusCode).toBe(200);
    expect(await logins('success')).toBe(succeeded + 2);
    // Spent: neither the token nor the assertion opens a second session.
    expect((await verify(s, { mfa_token, webauthn: assertion })).json()).toEqual({ detail: 'MFA_TOKEN_INVALID' });
  });

  it('removing the last passkey over HTTP deletes the recovery codes: login stops asking', async () => {
    await coreUser(s, 'dagonet@camelot.bt');
    const { access_token } = await jwtLogin(s, 'dagonet@camelot.bt');
    const keys = [new SoftAuthenticator(ORIGIN), new SoftAuthenticator(ORIGIN)];
    for (const key of keys) expect((await registerPasskey(s, access_token, key)).statusCode).toBe(201);
    const codes = await s.app.inject({ method: 'POST', url: '/auth/mfa/recovery-codes', headers: auth(access_token) });
    expect(codes.json().recovery_codes).toHaveLength(10);
    const status = async () => (await s.app.inject({ url: '/auth/mfa', headers: auth(access_token) })).json();
    expect(await status()).toEqual({ totp: false, webauthn: 2, recovery_codes_left: 10 });
    const ids = ((await s.app.inject({ url: '/auth/webauthn/credentials', headers: auth(access_token) })).json() as { id: string }[]).map((c) => c.id);
    expect((await s.app.inject({ method: 'DELETE', url: `/auth/webauthn/credentials/${ids[0]}`, headers: auth(access_token) })).statusCode).toBe(204);
    // One passkey left: still a second factor, codes kept.
    expect(await status()).toEqual({ totp: false, webauthn: 1, recovery_codes_left: 10 });
    expect((await mfaChallenge(s, 'dagonet@camelot.bt')).methods).toEqual(['webauthn', 'recovery_code']);
    expect((await s.app.inject({ method: 'DELETE', url: `/auth/webauthn/credentials/${ids[1]}`, headers: auth(access_token) })).statusCode).toBe(204);
    expect(await status()).toEqual({ totp: false, webauthn: 0, recovery_codes_left: 0 });
    expect((await jwtLogin(s, 'dagonet@camelot.bt')).access_token).toBeTruthy();
  });

  it('another user\'s passkey does not answer this user\'s challenge', async () => {
    const isolde = (await coreUser(s, 'isolde@camelot.bt')).id;
    await coreUser(s, 'mark@camelot.bt');
    const isoldes = new SoftAuthenticator(ORIGIN);
    const marks = new SoftAuthenticator(ORIGIN);
    expect((await registerPasskey(s, (await jwtLogin(s, 'isolde@camelot.bt')).access_token, isoldes)).statusCode).toBe(201);
    expect((await registerPasskey(s, (await jwtLogin(s, 'mark@camelot.bt')).access_token, marks)).statusCode).toBe(201);
    const { mfa_token } = await mfaChallenge(s, 'isolde@camelot.bt');
    const options = (await s.app.inject({ method: 'POST', url: '/auth/mfa/webauthn/options', payload: { mfa_token } })).json();
    // Mark's authenticator signs Isolde's challenge with his own credential.
    const forged = marks.get({ ...options, allowCredentials: [] });
    expect((await verify(s, { mfa_token, webauthn: forged })).json()).toEqual({ detail: 'MFA_INVALID_CODE' });
    // One wrong answer, one mfa.failed (the second step records it; the passkey factor does not again).
    expect((await eventsOf(s, isolde)).filter((e) => e.type === 'mfa.failed').map((e) => e.detail)).toEqual([{ method: 'webauthn' }]);
    // Each WebAuthn challenge is single use, even when the answer was wrong: Isolde asks again.
    expect((await verify(s, { mfa_token, webauthn: isoldes.get(options) })).json()).toEqual({ detail: 'MFA_INVALID_CODE' });
    const again = (await s.app.inject({ method: 'POST', url: '/auth/mfa/webauthn/options', payload: { mfa_token } })).json();
    expect(again.challenge).not.toBe(options.challenge);
    expect((await verify(s, { mfa_token, webauthn: isoldes.get(again) })).statusCode).toBe(200);
  });
});
