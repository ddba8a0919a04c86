import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PasskeyFactor } from '../../../src/core/mfa/passkey-factor.js';
import { DIALECTS, readOutbox, startServer, type TestServer } from '../../support/harness.js';
import { claimsOf, qs } from '../../support/faces-client.js';
import { mfaChallenge, setUpTotp, totpCode, verify } from '../../support/mfa-client.js';
import { scrape, valueOf } from '../../support/metrics.js';
import { FORBIDDEN, NOT_FOUND, PASSWORD, auth, coreUser, jwtLogin, sb, superuser } from '../../support/users-fixtures.js';

const STEP = 30_000;

/** Passkeys as the passkeys module would offer them: a count per user, and assertions that name their flow. */
function fakePasskeys() {
  const counts = new Map<string, number>();
  const factor: PasskeyFactor = {
    count: async (userId) => counts.get(userId) ?? 0,
    options: async (_userId, flowId) => ({ challenge: flowId, allowCredentials: [] }),
    verify: async (_userId, flowId, response) => (response as { flow?: string; ok?: boolean }).flow === flowId && (response as { ok?: boolean }).ok === true,
    removeAll: async (userId) => { const n = counts.get(userId) ?? 0; counts.delete(userId); return n; },
  };
  return { factor, counts };
}

describe.each(DIALECTS)('MFA across faces, admins and passkeys (%s)', (dialect) => {
  let s: TestServer;
  let clock = Math.floor(Date.now() / STEP) * STEP + STEP / 2;
  const passkeys = fakePasskeys();
  beforeAll(async () => { s = await startServer(dialect, {}, { now: () => clock, passkeyFactor: passkeys.factor }); });
  afterAll(async () => { await s.close(); });

  async function userWithTotp(email: string, extra: { isSuperuser?: boolean } = {}) {
    const user = await coreUser(s, email, { isVerified: true, ...extra });
    const set = await setUpTotp(s, (await jwtLogin(s, email)).access_token, clock);
    clock += STEP;
    return { user, ...set };
  }
  /** The full MFA login over the users face: tokens from the second step. */
  async function mfaLogin(email: string, secret: string) {
    const res = await verify(s, { mfa_token: (await mfaChallenge(s, email)).mfa_token, code: totpCode(secret, clock) });
    clock += STEP;
    expect(res.statusCode).toBe(200);
    return res.json() as { access_token: string; refresh_token: string };
  }

  it('the faces without a second step refuse the password login with their own answer, and count it', async () => {
    const { user: mordred } = await userWithTotp('mordred@camelot.bt');
    const before = valueOf(await scrape(s.app), 'tessera_logins_total', { face: 'oauth2', outcome: 'mfa_required' });
    const oauth = await s.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'password', username: 'mordred@camelot.bt', password: PASSWORD } });
    expect(sb(oauth)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'multi-factor authentication required' } });
    expect(valueOf(await scrape(s.app), 'tessera_logins_total', { face: 'oauth2', outcome: 'mfa_required' })).toBe(before + 1);

    const simple = await s.app.inject({ url: `/token?${qs({ user: 'mordred@camelot.bt', pass: PASSWORD })}` });
    const simpleWrong = await s.app.inject({ url: `/token?${qs({ user: 'mordred@camelot.bt', pass: 'not the password' })}` });
    expect([simple.statusCode, simple.body]).toEqual([simpleWrong.statusCode, simpleWrong.body]);
    expect(simple.statusCode).toBe(404);

    const aegis = await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'mordred@camelot.bt', password: PASSWORD } });
    const aegisWrong = await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'mordred@camelot.bt', password: 'not the password' } });
    expect(aegis.statusCode).toBe(401);
    expect(aegis.json().title).toBe(aegisWrong.json().title);

    // Each refusal is on record as a failed login, with the password known right.
    const failures = (await s.container.audit.list({ userId: mordred.id, type: 'login.failed', limit: 10, offset: 0 })).items;
    expect(failures.map((e) => [e.face, e.detail.reason])).toEqual([
      ['aegis', 'bad_password'], ['aegis', 'mfa_required'], ['simple', 'bad_password'], ['simple', 'mfa_required'], ['oauth2', 'mfa_required'],
    ]);
  });

  it('refresh tokens of a session opened with the second factor work on every face', async () => {
    const { secret } = await userWithTotp('pelleas@camelot.bt');
    const { refresh_token } = await mfaLogin('pelleas@camelot.bt', secret);
    const oauth = await s.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'refresh_token', refresh_token } });
    expect(oauth.statusCode).toBe(200);
    expect(claimsOf(oauth.json().access_token).fresh).toBe(false);
    const rotated = oauth.json().refresh_token as string;
    // On the faces whose refresh tokens never rotate it keeps working, as often as asked.
    for (let i = 0; i < 2; i++) {
      const aegis = await s.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: rotated } });
      expect(aegis.statusCode).toBe(200);
      const simple = await s.app.inject({ url: `/token?${new URLSearchParams({ user: rotated })}` });
      expect(simple.statusCode).toBe(200);
      expect(claimsOf(simple.body).fresh).toBe(false);
    }
    expect((await s.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'refresh_token', refresh_token: rotated } })).statusCode).toBe(200);
  });

  it('a password reset by mail keeps the second factor', async () => {
    const { secret } = await userWithTotp('elaine@camelot.bt');
    await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: 'elaine@camelot.bt' } });
    const [mail] = (await readOutbox(s.outbox)).filter((m) => m.to === 'elaine@camelot.bt' && m.kind === 'reset');
    const reset = await s.app.inject({ method: 'POST', url: '/auth/reset-password', payload: { token: mail!.token, password: 'a brand new password' } });
    expect(reset.statusCode).toBe(200);
    const { methods } = await mfaChallenge(s, 'elaine@camelot.bt', 'jwt', 'a brand new password');
    expect(methods).toEqual(['totp', 'recovery_code']);
    expect((await verify(s, { mfa_token: (await mfaChallenge(s, 'elaine@camelot.bt', 'jwt', 'a brand new password')).mfa_token, code: totpCode(secret, clock) })).statusCode).toBe(200);
  });

  it('an admin removes every factor of a user (audited path), not a plain user; unknown ids are 404', async () => {
    const { user, secret } = await userWithTotp('lancelot@camelot.bt');
    passkeys.counts.set(user.id, 2);
    await s.container.mfa.syncSecondFactor(user.id);
    const { token: admin } = await superuser(s, 'merlin@camelot.bt');
    const own = await mfaLogin('lancelot@camelot.bt', secret);
    const pending = (await mfaChallenge(s, 'lancelot@camelot.bt')).mfa_token;
    expect(sb(await s.app.inject({ method: 'DELETE', url: `/users/${user.id}/mfa`, headers: auth(own.access_token) }))).toEqual(FORBIDDEN);
    expect(sb(await s.app.inject({ method: 'DELETE', url: '/users/not-a-uuid/mfa', headers: auth(admin) }))).toEqual(NOT_FOUND);
    expect(sb(await s.app.inject({ method: 'DELETE', url: '/users/00000000-0000-4000-8000-000000000000/mfa', headers: auth(admin) }))).toEqual(NOT_FOUND);
    expect(sb(await s.app.inject({ method: 'DELETE', url: `/users/${user.id}/mfa`, headers: auth(admin) }))).toEqual({ status: 204, body: undefined });
    expect(passkeys.counts.get(user.id)).toBeUndefined();
    const status = await s.app.inject({ url: '/auth/mfa', headers: auth(own.access_token) });
    expect(status.json()).toEqual({ totp: false, webauthn: 0, recovery_codes_left: 0 });
    await jwtLogin(s, 'lancelot@camelot.bt');
    // A second step pending at the removal is over: nothing is left to answer it.
    expect((await verify(s, { mfa_token: pending, code: totpCode(secret, clock) })).json()).toEqual({ detail: 'MFA_TOKEN_INVALID' });
    // Removed once, on record once: asking again removes nothing and records nothing.
    expect((await s.app.inject({ method: 'DELETE', url: `/users/${user.id}/mfa`, headers: auth(admin) })).statusCode).toBe(204);
    const removed = (await s.container.audit.list({ userId: user.id, type: 'mfa.removed', limit: 10, offset: 0 })).items;
    expect(removed.map((e) => e.detail)).toEqual([{ method: 'all', by_admin: true }]);
  });

  it('passkeys plug in as a second factor: counted, offered, verified through the mfa_token flow', async () => {
    const user = await coreUser(s, 'nimue@camelot.bt');
    passkeys.counts.set(user.id, 1);
    await s.container.mfa.syncSecondFactor(user.id);
    const { mfa_token, methods } = await mfaChallenge(s, 'nimue@camelot.bt');
    expect(methods).toEqual(['webauthn']);
    const options = await s.app.inject({ method: 'POST', url: '/auth/mfa/webauthn/options', payload: { mfa_token } });
    expect(options.statusCode).toBe(200);
    const flow = options.json().challenge as string;
    expect(sb(await verify(s, { mfa_token, webauthn: { flow, ok: false } }))).toEqual({ status: 400, body: { detail: 'MFA_INVALID_CODE' } });
    const done = await verify(s, { mfa_token, webauthn: { flow, ok: true } });
    expect(done.statusCode).toBe(200);
    const token = done.json().access_token as string;
    expect((await s.app.inject({ url: '/auth/mfa', headers: auth(token) })).json()).toEqual({ totp: false, webauthn: 1, recovery_codes_left: 0 });
    // Recovery codes for a passkey-only user, then the last passkey goes: the codes go with it.
    expect((await s.app.inject({ method: 'POST', url: '/auth/mfa/recovery-codes', headers: auth(token) })).statusCode).toBe(200);
    passkeys.counts.delete(user.id);
    await s.container.mfa.syncSecondFactor(user.id);
    expect((await s.app.inject({ url: '/auth/mfa', headers: auth(token) })).json()).toEqual({ totp: false, webauthn: 0, recovery_codes_left: 0 });
    await jwtLogin(s, 'nimue@camelot.bt');
  });
});

describe.each(DIALECTS)('TESSERA_MFA_REQUIRED=admins (%s)', (dialect) => {
  let s: TestServer;
  let clock = Math.floor(Date.now() / STEP) * STEP + STEP / 2;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_MFA_REQUIRED: 'admins' }, { now: () => clock }); });
  afterAll(async () => { await s.close(); });

  it('withholds admin from a superuser without a second factor, at issue and at the check', async () => {
    const { token } = await superuser(s, 'uther@camelot.bt');
    expect(claimsOf(token).scope).toBe('me');
    expect(sb(await s.app.inject({ url: '/users', headers: auth(token) }))).toEqual(FORBIDDEN);

    const { secret } = await setUpTotp(s, token, clock);
    clock += STEP;
    const res = await verify(s, { mfa_token: (await mfaChallenge(s, 'uther@camelot.bt')).mfa_token, code: totpCode(secret, clock) });
    const withAdmin = res.json().access_token as string;
    expect(claimsOf(withAdmin).scope).toContain('admin');
    expect((await s.app.inject({ url: '/users', headers: auth(withAdmin) })).statusCode).toBe(200);

    // Once the factor is gone, a token that still says `admin` no longer passes.
    expect((await s.app.inject({ method: 'DELETE', url: '/auth/mfa/totp', headers: auth(withAdmin) })).statusCode).toBe(204);
    expect(sb(await s.app.inject({ url: '/users', headers: auth(withAdmin) }))).toEqual(FORBIDDEN);
  });
});

describe.each(DIALECTS)('admin removal of factors with the wisdom admin API (%s)', (dialect) => {
  let s: TestServer;
  let clock = Math.floor(Date.now() / STEP) * STEP + STEP / 2;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_USERS_ADMIN_API: 'wisdom' }, { now: () => clock }); });
  afterAll(async () => { await s.close(); });

  it('DELETE /users/{account number}/mfa removes the factors', async () => {
    const user = await coreUser(s, 'bors@camelot.bt');
    await setUpTotp(s, (await jwtLogin(s, 'bors@camelot.bt')).access_token, clock);
    await mfaChallenge(s, 'bors@camelot.bt');
    const { token: admin } = await superuser(s, 'merlin@camelot.bt');
    const res = await s.app.inject({ method: 'DELETE', url: `/users/${user.accountNumber}/mfa`, headers: auth(admin) });
    expect(res.statusCode).toBe(204);
    await jwtLogin(s, 'bors@camelot.bt');
  });
});
