import { Secret, TOTP } from 'otpauth';
import type { TestServer } from './harness.js';
import { PASSWORD, auth, form } from './users-fixtures.js';

/** Scenario helpers for multi-factor authentication over HTTP; codes are computed here, as an authenticator app would. */

/** The TOTP code of `secret` at time `ms` (SHA-1, 6 digits, 30 s). */
export const totpCode = (secret: string, ms: number): string =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: ms });

/** A code of `secret` that is not `code` (a wrong one). */
export const wrongCode = (code: string): string => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

export async function enrollTotp(s: TestServer, token: string): Promise<{ secret: string; otpauth_uri: string }> {
  const res = await s.app.inject({ method: 'POST', url: '/auth/mfa/totp/enroll', headers: auth(token) });
  if (res.statusCode !== 200) throw new Error(`enroll failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Enrols and confirms TOTP with the code of `at`; returns the secret and the recovery codes. */
export async function setUpTotp(s: TestServer, token: string, at: number): Promise<{ secret: string; recoveryCodes: string[] }> {
  const { secret } = await enrollTotp(s, token);
  const res = await s.app.inject({ method: 'POST', url: '/auth/mfa/totp/confirm', headers: auth(token), payload: { code: totpCode(secret, at) } });
  if (res.statusCode !== 200) throw new Error(`confirm failed: ${res.statusCode} ${res.body}`);
  return { secret, recoveryCodes: res.json().recovery_codes };
}

/** A password login expected to ask for the second factor: its mfa_token and methods. */
export async function mfaChallenge(s: TestServer, username: string, backend: 'jwt' | 'cookie' = 'jwt', password = PASSWORD) {
  const res = await s.app.inject({ method: 'POST', url: `/auth/${backend}/login`, ...form({ username, password }) });
  const body = res.json() as { detail: { code: string; mfa_token: string; methods: string[] } };
  if (res.statusCode !== 400 || body.detail.code !== 'LOGIN_MFA_REQUIRED') throw new Error(`expected LOGIN_MFA_REQUIRED: ${res.statusCode} ${res.body}`);
  return body.detail;
}

export const verify = (s: TestServer, payload: Record<string, unknown>) =>
  s.app.inject({ method: 'POST', url: '/auth/mfa/verify', payload });
