import { canonicalOrigin, trustedOrigins } from './origin-check.js';

export const DEFAULT_LANDING = '/account';
const MAX_LENGTH = 2048;

/**
 * Where a person may be sent after signing in: a path on this server, or a
 * URL on the public URL's origin or a TESSERA_CORS_ORIGINS origin. Anything
 * else (another site, `//evil.example`, `/\evil.example`, `javascript:`,
 * control characters) is undefined: the caller ignores it and lands on
 * /account, so a link to /login cannot be turned into an open redirect.
 */
export function safeReturnTo(raw: unknown, publicUrl: string, corsOrigins: string[]): string | undefined {
  if (typeof raw !== 'string' || raw === '' || raw.length > MAX_LENGTH) return undefined;
  // Browsers read "\" as "/" and drop tabs and newlines inside URLs: refuse rather than guess.
  if (/[\\\s\x00-\x1f\x7f]/.test(raw)) return undefined;
  if (raw.startsWith('/')) {
    if (raw.startsWith('//')) return undefined;
    const base = new URL(publicUrl);
    const url = new URL(raw, base.origin);
    return url.origin === base.origin ? `${url.pathname}${url.search}${url.hash}` : undefined;
  }
  const origin = canonicalOrigin(raw);
  if (origin === undefined || !trustedOrigins(corsOrigins, publicUrl).has(origin)) return undefined;
  return new URL(raw).href;
}
