import { createHmac, createHash, pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import type { HashScheme } from './hash-schemes.js';

/**
 * Verification of the non-argon2 schemes other systems wrote (bcrypt,
 * passlib's bcrypt-sha256 and pbkdf2 family, Django's pbkdf2, scrypt).
 * pbkdf2 and scrypt run on the libuv pool, never on the main thread.
 */
export async function verifyForeign(scheme: Exclude<HashScheme, { kind: 'argon2' }>, hash: string, password: string): Promise<boolean> {
  switch (scheme.kind) {
    case 'bcrypt':
      return bcryptCompare(password, hash);
    case 'bcrypt-sha256': {
      // passlib: bcrypt over base64(sha256(pw)) (v1) or base64(hmac-sha256(key = the salt text, pw)) (v2),
      // so passwords past bcrypt's 72 bytes still count.
      const digest = scheme.version === 1
        ? createHash('sha256').update(password, 'utf8').digest()
        : createHmac('sha256', scheme.salt).update(password, 'utf8').digest();
      return bcryptCompare(digest.toString('base64'), `$${scheme.ident}$${String(scheme.cost).padStart(2, '0')}$${scheme.salt}${scheme.checksum}`);
    }
    case 'scrypt': {
      const N = 2 ** scheme.ln;
      const derived = await new Promise<Buffer>((resolve, reject) =>
        scrypt(password, scheme.salt, scheme.key.length, { N, r: scheme.r, p: scheme.p, maxmem: 128 * N * scheme.r + 1024 * 1024 },
          (err, key) => (err ? reject(err) : resolve(key))));
      return timingSafeEqual(derived, scheme.key);
    }
    case 'pbkdf2': {
      const derived = await new Promise<Buffer>((resolve, reject) =>
        pbkdf2(password, scheme.salt, scheme.rounds, scheme.key.length, scheme.digest, (err, key) => (err ? reject(err) : resolve(key))));
      return timingSafeEqual(derived, scheme.key);
    }
  }
}

async function bcryptCompare(password: string, hash: string): Promise<boolean> {
  // Loaded on first use: only imported hashes need it, and it costs start time and memory.
  const { compare } = await import('bcryptjs');
  return compare(password, hash);
}
