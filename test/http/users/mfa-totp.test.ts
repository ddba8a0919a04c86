import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { enrollTotp, mfaChallenge, setUpTotp, totpCode, verify, wrongCode } from '../../support/mfa-client.js';
import { PASSWORD, UNAUTHORIZED, auth, coreUser, form, jwtLogin, nonFreshToken, sb } from '../../support/users-fixtures.js';
import { claimsOf } from '../../support/faces-client.js';

const FRESH_REQUIRED = { status: 403, body: { detail: 'FRESH_TOKEN_REQUIRED' } };
const INVALID_CODE = { status: 400, body: { detail: 'MFA_INVALID_CODE' } };
const TOKEN_INVALID = { status: 400, body: { detail: 'MFA_TOKEN_INVALID' } };
const STEP = 30_000;

describe.each(DIALECTS)('TOTP, recovery codes and the login second step (%s)', (dialect) => {
  let s: TestServer;
  // A frozen clock in the middle of a time step: tests move it a step at a time.
  let clock = Math.floor(Date.now() / STEP) * STEP + STEP / 2;
  const tick = (steps = 1) => { clock += steps * STEP; };
  beforeAll(async () => { s = await startServer(dialect, {}, { now: () => clock }); });
  afterAll(async () => { await s.close(); });

  /** A user with TOTP confirmed; returns its secret and recovery codes. */
  async function userWithTotp(email: string) {
    await coreUser(s, email);
    const { access_token } = await jwtLogin(s, email);
    const set = await setUpTotp(s, access_token, clock);
    tick();
    return set;
  }
  const status = async (token: string) => sb(await s.app.inject({ url: '/auth/mfa', headers: auth(token) }));

  it('enrolment needs a signed-in user with a fresh token', async () => {
    await coreUser(s, 'kay@camelot.bt');
    const { refresh_token } = await jwtLogin(s, 'kay@camelot.bt');
    for (const [method, url] of [['GET', '/auth/mfa'], ['POST', '/auth/mfa/totp/enroll'], ['POST', '/auth/mfa/totp/confirm'], ['DELETE', '/auth/mfa/totp'], ['POST', '/auth/mfa/recovery-codes']] as const) {
      expect(sb(await s.app.inject({ method, url, payload: url.endsWith('confirm') ? { code: '123456' } : undefined })), url).toEqual(UNAUTHORIZED);
      expect(sb(await s.app.inject({ method, url, headers: auth('not-a-token') })), url).toEqual(UNAUTHORIZED);
    }
    const stale = await nonFreshToken(s, refresh_token);
    expect(sb(await s.app.inject({ method: 'POST', url: '/auth/mfa/totp/enroll', headers: auth(stale) }))).toEqual(FRESH_REQUIRED);
    expect(sb(await s.app.inject({ method: 'POST', url: '/auth/mfa/recovery-codes', headers: auth(stale) }))).toEqual(FRESH_REQUIRED);
    expect(sb(await s.app.inject({ method: 'DELETE', url: '/auth/mfa/totp', headers: auth(stale) }))).toEqual(FRESH_REQUIRED);
  });

  it('names the product as the issuer authenticator apps show, unless TESSERA_MFA_ISSUER sets another', async () => {
    const issuerOf = async (env: Record<string, string>) => {
      const other = await startServer(dialect, env);
      try {
        await coreUser(other, 'bedwyr@camelot.bt');
        const { otpauth_uri } = await enrollTotp(other, (await jwtLogin(other, 'bedwyr@camelot.bt')).access_token);
        return new URL(otpauth_uri).searchParams.get('issuer');
      } finally { await other.close(); }
    };
    expect(await issuerOf({})).toBe('Tessera');
    expect(await issuerOf({ TESSERA_PRODUCT_NAME: 'Camelot ID' })).toBe('Camelot ID');
    expect(await issuerOf({ TESSERA_PRODUCT_NAME: 'Camelot ID', TESSERA_MFA_ISSUER: 'Round Table' })).toBe('Round Table');
    // Shortened by characters, never through one: half an emoji is no URI.
    const shields = `a${'\u{1F6E1}'.repeat(36)}`;
    expect(await issuerOf({ TESSERA_PRODUCT_NAME: shields })).toBe(shields);
    expect(await issuerOf({ TESSERA_PRODUCT_NAME: 'x'.repeat(70) })).toBe('x'.repeat(64));
  });

  it('enrol, confirm with a code, then the password login asks for the second factor and a code completes it', async () => {
    await coreUser(s, 'arthur@camelot.bt', { username: 'arthur' });
    const { access_token } = await jwtLogin(s, 'arthur');
    expect(await status(access_token)).toEqual({ status: 200, body: { totp: false, webauthn: 0, recovery_codes_left: 0 } });

    const first = await enrollTotp(s, access_token);
    const { secret, otpauth_uri } = await enrollTotp(s, access_token);
    expect(secret).not.toBe(first.secret);
    expect(otpauth_uri).toMatch(/^otpauth:\/\/totp\//);
    expect(new URL(otpauth_uri).searchParams.get('secret')).toBe(secret);
    // Pending until confirmed: login does not ask yet.
    await jwtLogin(s, 'arthur');

    const confirm = (code: string) => s.app.inject({ method: 'POST', url: '/auth/mfa/totp/confirm', headers: auth(access_token), payload: { code } });
    // The replaced pending secret no longer confirms; nor does a wrong code.
    expect(sb(await confirm(totpCode(first.secret, clock)))).toEqual(INVALID_CODE);
    expect(sb(await confirm(wrongCode(totpCode(secret, clock))))).toEqual(INVALID_CODE);
    const confirmed = await confirm(totpCode(secret, clock));
    expect(confirmed.statusCode).toBe(200);
    const codes = confirmed.json().recovery_codes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(await status(access_token)).toEqual({ status: 200, body: { totp: true, webauthn: 0, recovery_codes_left: 10 } });

    // A wrong password is still just bad credentials: nothing about MFA before the password is right.
    const bad = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username: 'arthur', password: 'wrong password!' }) });
    expect(sb(bad)).toEqual({ status: 400, body: { detail: 'LOGIN_BAD_CREDENTIALS' } });

    const challenge = await mfaChallenge(s, 'arthur');
    expect(challenge.methods).toEqual(['totp', 'recovery_code']);
    expect(challenge.mfa_token.length).toBeGreaterThanOrEqual(40);
    // The code used to confirm is spent: the same step cannot log in.
    expect(sb(await verify(s, { mfa_token: challenge.mfa_token, code: totpCode(secret, clock) }))).toEqual(INVALID_CODE);
    tick();
    const done = await verify(s, { mfa_token: challenge.mfa_token, code: totpCode(secret, clock) });
    expect(done.statusCode).toBe(200);
    const body = done.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(claimsOf(body.access_token).fresh).toBe(true);
    expect((await s.app.inject({ url: '/users/me', headers: auth(body.access_token) })).json().email).toBe('arthur@camelot.bt');
    // Spent by the successful verify.
    tick();
    expect(sb(await verify(s, { mfa_token: challenge.mfa_token, code: totpCode(secret, clock) }))).toEqual(TOKEN_INVALID);
  });

  it('accepts each code once: a replayed code (or an older one) is refused', async () => {
    const { secret } = await userWithTotp('bedivere@camelot.bt');
    const code = totpCode(secret, clock);
    expect((await verify(s, { mfa_token: (await mfaChallenge(s, 'bedivere@camelot.bt')).mfa_token, code })).statusCode).toBe(200);
    const again = (await mfaChallenge(s, 'bedivere@camelot.bt')).mfa_token;
    expect(sb(await verify(s, { mfa_token: again, code }))).toEqual(INVALID_CODE);
    // The previous step is within the window but older than the one used.
    expect(sb(await verify(s, { mfa_token: again, code: totpCode(secret, clock - STEP) }))).toEqual(INVALID_CODE);
  });

  it('accepts the codes of one step either side, not two', async () => {
    const { secret } = await userWithTotp('gareth@camelot.bt');
    tick(4);
    const token = (await mfaChallenge(s, 'gareth@camelot.bt')).mfa_token;
    expect(sb(await verify(s, { mfa_token: token, code: totpCode(secret, clock - 2 * STEP) }))).toEqual(INVALID_CODE);
    expect(sb(await verify(s, { mfa_token: token, code: totpCode(secret, clock + 2 * STEP) }))).toEqual(INVALID_CODE);
    expect((await verify(s, { mfa_token: token, code: totpCode(secret, clock - STEP) })).statusCode).toBe(200);
    const next = (await mfaChallenge(s, 'gareth@camelot.bt')).mfa_token;
    expect((await verify(s, { mfa_token: next, code: totpCode(secret, clock + STEP) })).statusCode).toBe(200);
  });

  it('kills the mfa_token after five wrong codes', async () => {
    const { secret } = await userWithTotp('gawain@camelot.bt');
    const token = (await mfaChallenge(s, 'gawain@camelot.bt')).mfa_token;
    const right = totpCode(secret, clock);
    for (let i = 0; i < 5; i++) expect(sb(await verify(s, { mfa_token: token, code: wrongCode(right) }))).toEqual(INVALID_CODE);
    expect(sb(await verify(s, { mfa_token: token, code: right }))).toEqual(TOKEN_INVALID);
    // Every later attempt too, wrong or right, by code or recovery code.
    expect(sb(await verify(s, { mfa_token: token, code: wrongCode(right) }))).toEqual(TOKEN_INVALID);
    expect(sb(await verify(s, { mfa_token: token, code: right }))).toEqual(TOKEN_INVALID);
    expect(sb(await verify(s, { mfa_token: token, recovery_code: 'aaaa2345-bbbb6789-cccc2345-dddd6789' }))).toEqual(TOKEN_INVALID);
    // A new login gets a new token, and the right code (never used) works there.
    expect((await verify(s, { mfa_token: (await mfaChallenge(s, 'gawain@camelot.bt')).mfa_token, code: right })).statusCode).toBe(200);
  });

  it('lets an mfa_token live five minutes', async () => {
    const { secret } = await userWithTotp('lamorak@camelot.bt');
    const token = (await mfaChallenge(s, 'lamorak@camelot.bt')).mfa_token;
    clock += 5 * 60_000;
    expect(sb(await verify(s, { mfa_token: token, code: totpCode(secret, clock) }))).toEqual(TOKEN_INVALID);
    expect(sb(await verify(s, { mfa_token: 'not-a-token', code: totpCode(secret, clock) }))).toEqual(TOKEN_INVALID);
  });

  it('dies when the password changes between the two steps', async () => {
    const { secret } = await userWithTotp('tristan@camelot.bt');
    const token = (await mfaChallenge(s, 'tristan@camelot.bt')).mfa_token;
    const user = (await s.container.repos.users.findByLogin('tristan@camelot.bt'))!;
    // A new password hash moves the credentials version the challenge was bound to.
    await s.container.repos.users.update(user.id, { passwordHash: user.passwordHash! + 'x' });
    expect(sb(await verify(s, { mfa_token: token, code: totpCode(secret, clock) }))).toEqual(TOKEN_INVALID);
  });

  it('takes each recovery code once; new codes kill the old ones', async () => {
    const { recoveryCodes } = await userWithTotp('percival@camelot.bt');
    const login = async () => (await mfaChallenge(s, 'percival@camelot.bt')).mfa_token;
    const first = await verify(s, { mfa_token: await login(), recovery_code: recoveryCodes[0]!.toUpperCase() });
    expect(first.statusCode).toBe(200);
    expect(claimsOf(first.json().access_token).fresh).toBe(true);
    expect(sb(await verify(s, { mfa_token: await login(), recovery_code: recoveryCodes[0] }))).toEqual(INVALID_CODE);
    const token = first.json().access_token as string;
    expect((await status(token)).body.recovery_codes_left).toBe(9);

    const regen = await s.app.inject({ method: 'POST', url: '/auth/mfa/recovery-codes', headers: auth(token) });
    expect(regen.statusCode).toBe(200);
    const fresh = regen.json().recovery_codes as string[];
    expect(fresh).toHaveLength(10);
    expect(fresh.some((c) => recoveryCodes.includes(c))).toBe(false);
    expect(sb(await verify(s, { mfa_token: await login(), recovery_code: recoveryCodes[1] }))).toEqual(INVALID_CODE);
    expect((await verify(s, { mfa_token: await login(), recovery_code: fresh[0] })).statusCode).toBe(200);
  });

  it('answers the cookie backend with its cookie once the second step is done', async () => {
    const { secret } = await userWithTotp('galahad@camelot.bt');
    const { mfa_token, methods } = await mfaChallenge(s, 'galahad@camelot.bt', 'cookie');
    expect(methods).toContain('totp');
    const res = await verify(s, { mfa_token, code: totpCode(secret, clock) });
    expect(res.statusCode).toBe(204);
    expect(String(res.headers['set-cookie'])).toMatch(/^tessera_auth=[^;]+;.*HttpOnly/);
  });

  it('refuses a verify body without exactly one answer (422)', async () => {
    for (const payload of [{ mfa_token: 'x' }, { mfa_token: 'x', code: '123456', recovery_code: 'abc' }, { code: '123456' }]) {
      expect((await verify(s, payload)).statusCode).toBe(422);
    }
  });

  it('removing TOTP (fresh token) removes the recovery codes and login stops asking', async () => {
    const { secret } = await userWithTotp('dagonet@camelot.bt');
    const res = await verify(s, { mfa_token: (await mfaChallenge(s, 'dagonet@camelot.bt')).mfa_token, code: totpCode(secret, clock) });
    const { access_token, refresh_token } = res.json();
    const stale = await nonFreshToken(s, refresh_token);
    expect(sb(await s.app.inject({ method: 'DELETE', url: '/auth/mfa/totp', headers: auth(stale) }))).toEqual(FRESH_REQUIRED);
    expect(sb(await s.app.inject({ method: 'DELETE', url: '/auth/mfa/totp', headers: auth(access_token) }))).toEqual({ status: 204, body: undefined });
    expect(await status(access_token)).toEqual({ status: 200, body: { totp: false, webauthn: 0, recovery_codes_left: 0 } });
    await jwtLogin(s, 'dagonet@camelot.bt', PASSWORD);
    // Without a factor, recovery codes open nothing and are not handed out.
    expect(sb(await s.app.inject({ method: 'POST', url: '/auth/mfa/recovery-codes', headers: auth(access_token) }))).toEqual({ status: 400, body: { detail: 'MFA_NOT_ENABLED' } });
  });

  it('keeps the TOTP secret sealed at rest', async () => {
    const { secret } = await userWithTotp('ector@camelot.bt');
    const user = (await s.container.repos.users.findByLogin('ector@camelot.bt'))!;
    const row = await s.container.repos.mfa.findTotp(user.id);
    expect(row?.secretEnc).toBeTruthy();
    expect(row!.secretEnc).not.toContain(secret);
  });
});
