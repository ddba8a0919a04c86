import { createHmac, hkdfSync, randomBytes } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** One code: 20 random bytes (160 bits) in lower-case base32, four groups of eight for reading aloud. */
function newCode(): string {
  const bytes = randomBytes(20);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{8}/g)!.join('-');
}

export const newRecoveryCodes = (): string[] => Array.from({ length: RECOVERY_CODE_COUNT }, newCode);

/** As typed: case, spaces and dashes do not matter. */
const normalize = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');

/**
 * Recovery codes are stored as HMAC-SHA256 under a server key (docs/mfa.md says why a keyed fast
 * hash rather than a password hash): the codes carry 160 random bits, so no slow hash is needed,
 * and the key makes a stolen table useless on its own.
 */
export function recoveryCodeHasher(masterKey: Buffer): (code: string) => string {
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'tessera mfa-recovery-codes', 32));
  return (code) => createHmac('sha256', key).update(normalize(code)).digest('base64url');
}
