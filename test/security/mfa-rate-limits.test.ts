import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../support/harness.js';
import { POLICIES } from '../../src/http/plugins/rate-limit-policies.js';
import { setUpTotp, totpCode, wrongCode } from '../support/mfa-client.js';
import { auth, form } from '../support/users-fixtures.js';
import { PASSWORD, randomIp, uniqueEmail } from './support/faces.js';

const STEP = 30_000;
const MFA = POLICIES.mfa;

/** The second step is limited per address and per account (the user its mfa_token belongs to). */
describe.each(DIALECTS)('rate limits of the second step (%s)', (dialect) => {
  let s: TestServer;
  const clock = Math.floor(Date.now() / STEP) * STEP + STEP / 2;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_RATE_LIMITS: 'on' }, { now: () => clock }); });
  afterAll(async () => s?.close());

  async function userWithTotp() {
    const email = uniqueEmail('mfa');
    await s.container.users.create({ email, password: PASSWORD });
    const res = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username: email, password: PASSWORD }), remoteAddress: randomIp() });
    const { secret, recoveryCodes } = await setUpTotp(s, res.json().access_token, clock - STEP);
    return { email, secret, recoveryCodes };
  }
  const challenge = async (email: string, ip: string) =>
    (await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username: email, password: PASSWORD }), remoteAddress: ip })).json().detail;

  it('a password login that needs a second factor is no failed password: no back-off however often', async () => {
    const { email } = await userWithTotp();
    const ip = randomIp();
    for (let i = 0; i < 8; i++) expect((await challenge(email, ip)).code).toBe('LOGIN_MFA_REQUIRED');
  });

  it('limits wrong answers to the second step per account, across fresh mfa_tokens and addresses', async () => {
    const { email, secret } = await userWithTotp();
    const wrong = wrongCode(totpCode(secret, clock));
    for (let i = 0; i < MFA.perAccount!.max; i++) {
      const ip = randomIp();
      const res = await s.app.inject({ method: 'POST', url: '/auth/mfa/verify', payload: { mfa_token: (await challenge(email, ip)).mfa_token, code: wrong }, remoteAddress: ip });
      expect(res.statusCode).toBe(400);
    }
    const ip = randomIp();
    const res = await s.app.inject({ method: 'POST', url: '/auth/mfa/verify', payload: { mfa_token: (await challenge(email, ip)).mfa_token, code: totpCode(secret, clock) }, remoteAddress: ip });
    expect(res.statusCode).toBe(429);
    expect(res.json()).toEqual({ detail: 'Too Many Requests' });
  });

  it('a burst of wrong answers sent at once is bounded like one sent in turn', async () => {
    const { email, secret } = await userWithTotp();
    const wrong = wrongCode(totpCode(secret, clock));
    const tokens: [string, string][] = [];
    for (let i = 0; i < 2 * MFA.perAccount!.max; i++) {
      const ip = randomIp();
      tokens.push([(await challenge(email, ip)).mfa_token, ip]);
    }
    const answers = await Promise.all(tokens.map(([mfa_token, ip]) =>
      s.app.inject({ method: 'POST', url: '/auth/mfa/verify', payload: { mfa_token, code: wrong }, remoteAddress: ip })));
    const statuses = answers.map((r) => r.statusCode);
    expect(statuses.filter((x) => x === 400)).toHaveLength(MFA.perAccount!.max);
    expect(statuses.filter((x) => x === 429)).toHaveLength(MFA.perAccount!.max);
  });

  it('the owner\'s own second steps that succeed never use up the account\'s budget', async () => {
    const { email, secret, recoveryCodes } = await userWithTotp();
    const answers = [...recoveryCodes.map((recovery_code) => ({ recovery_code })), { code: totpCode(secret, clock) }];
    expect(answers.length).toBeGreaterThan(MFA.perAccount!.max);
    for (const answer of answers) {
      const ip = randomIp();
      const res = await s.app.inject({ method: 'POST', url: '/auth/mfa/verify', payload: { mfa_token: (await challenge(email, ip)).mfa_token, ...answer }, remoteAddress: ip });
      expect(res.statusCode).toBe(200);
    }
  });

  it('limits the second step per address, whatever the token', async () => {
    const ip = randomIp();
    for (let i = 0; i < MFA.perAddress.max; i++) {
      expect((await s.app.inject({ method: 'POST', url: '/auth/mfa/verify', payload: { mfa_token: `bogus-${i}`, code: '123456' }, remoteAddress: ip })).statusCode).toBe(400);
    }
    expect((await s.app.inject({ method: 'POST', url: '/auth/mfa/verify', payload: { mfa_token: 'bogus', code: '123456' }, remoteAddress: ip })).statusCode).toBe(429);
  });

  it('limits TOTP confirmation per account', async () => {
    const email = uniqueEmail('confirm');
    await s.container.users.create({ email, password: PASSWORD });
    const { access_token } = (await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username: email, password: PASSWORD }), remoteAddress: randomIp() })).json();
    await s.app.inject({ method: 'POST', url: '/auth/mfa/totp/enroll', headers: auth(access_token) });
    const codes = [];
    for (let i = 0; i <= MFA.perAccount!.max; i++) codes.push((await s.app.inject({ method: 'POST', url: '/auth/mfa/totp/confirm', headers: auth(access_token), payload: { code: '000000' }, remoteAddress: randomIp() })).statusCode);
    expect(codes.at(-1)).toBe(429);
  });
});
