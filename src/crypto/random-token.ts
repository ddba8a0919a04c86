import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** An opaque bearer secret: 32 random bytes (256 bits), base64url. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/**
 * Tokens are stored only as SHA-256 digests: they carry 256 bits of entropy,
 * so a fast hash is enough and lookups stay indexable.
 */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Constant-time equality for secrets of possibly different lengths. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
