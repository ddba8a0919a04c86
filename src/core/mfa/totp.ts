import { lazy } from '../../lazy.js';

const otpauth = lazy(() => import('otpauth'));

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps. */
const PERIOD = 30;
const DIGITS = 6;
/** One step either side absorbs clock drift and a code typed as it rolled over. */
const WINDOW = 1;

async function totpOf(secretBase32: string, issuer = 'Tessera', label = 'account') {
  const { Secret, TOTP } = await otpauth();
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secretBase32) });
}

/** A new random secret (160 bits, RFC 4226's recommended length), base32. */
export const newTotpSecret = async (): Promise<string> => new (await otpauth()).Secret({ size: 20 }).base32;

/** The otpauth:// URI an authenticator app scans. */
export const totpUri = async (secretBase32: string, issuer: string, label: string): Promise<string> => (await totpOf(secretBase32, issuer, label)).toString();

/** The time step `code` belongs to (within ±1 step of `nowMs`), or undefined when it matches none. */
export async function totpStep(secretBase32: string, code: string, nowMs: number): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = (await totpOf(secretBase32)).validate({ token: code, timestamp: nowMs, window: WINDOW });
  return delta === null ? undefined : Math.floor(nowMs / 1000 / PERIOD) + delta;
}
