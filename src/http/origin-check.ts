import type { FastifyRequest } from 'fastify';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `scheme://host[:port]` in canonical form, or undefined for anything that is not an http(s) origin. */
export function canonicalOrigin(value: string): string | undefined {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The browser origins trusted with cookie-authenticated writes: TESSERA_CORS_ORIGINS plus the public URL's own. */
export function trustedOrigins(corsOrigins: string[], publicUrl: string): Set<string> {
  return new Set([...corsOrigins, publicUrl].map(canonicalOrigin).filter((o): o is string => o !== undefined));
}

/**
 * CSRF defence for cookie authentication: a state-changing request must come
 * from a trusted origin. Browsers send `Origin` on every cross-site write
 * (and `Referer` otherwise); a request with neither comes from a non-browser
 * client, which a forged cross-site page cannot be. `Origin: null`
 * (sandboxed frames, some redirects) is never trusted.
 */
export function crossSiteWrite(req: FastifyRequest, trusted: Set<string>): boolean {
  if (SAFE_METHODS.has(req.method)) return false;
  const origin = req.headers.origin;
  if (typeof origin === 'string') return !trusted.has(canonicalOrigin(origin) ?? '');
  const referer = req.headers.referer;
  if (typeof referer === 'string') return !trusted.has(canonicalOrigin(referer) ?? '');
  return false;
}
