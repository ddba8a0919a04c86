import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { randomUUID } from 'node:crypto';
import { signCompact } from './jws-sign.js';
import type { KeyStore } from './key-store.js';

export interface AccessClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  jti: string;
  scope: string;
  sid: string;
  fresh: boolean;
}

export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: 'expired' | 'invalid' };

export interface AccessTokenOptions {
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /** How many verified tokens to remember; 0 disables the cache. */
  cacheSize?: number;
  now?: () => number;
}

const TYP = 'at+jwt';
const LEEWAY_S = 30;
const MAX_TOKEN_LENGTH = 4096;
// Headers that would make a verifier fetch or trust a key the token brings itself.
const FORBIDDEN_HEADERS = ['jku', 'jwk', 'x5u', 'x5c', 'crit'];

export function createAccessTokens(keys: KeyStore, opts: AccessTokenOptions) {
  const now = opts.now ?? Date.now;
  const cacheSize = opts.cacheSize ?? 10_000;
  // Verified tokens, found by their signature segment and matched on their whole text: a hit skips
  // the signature check, never the expiry check. Keying by the short segment spares hashing the
  // whole token (a fresh string on every request, ~0.5 KB) for each lookup.
  const cache = new Map<string, { token: string; claims: AccessClaims }>();
  const keyOf = (token: string) => token.slice(token.lastIndexOf('.') + 1);

  /** The verdict on a token already verified once, without waiting; undefined when it must be verified. */
  function verifyCached(token: string): VerifyResult | undefined {
    const hit = cache.get(keyOf(token));
    if (!hit || hit.token !== token) return undefined;
    return hit.claims.exp + LEEWAY_S > now() / 1000 ? { ok: true, claims: hit.claims } : { ok: false, reason: 'expired' };
  }

  function remember(token: string, claims: AccessClaims) {
    if (cacheSize === 0) return;
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
    cache.set(keyOf(token), { token, claims });
  }

  return {
    sign(input: { sub: string; sid: string; scope: string[]; fresh: boolean }): { token: string; claims: AccessClaims } {
      const { kid, alg, key } = keys.signingKey();
      const iat = Math.floor(now() / 1000);
      const claims: AccessClaims = {
        iss: opts.issuer, sub: input.sub, aud: opts.audience, exp: iat + opts.ttlSeconds, iat,
        jti: randomUUID(), scope: input.scope.join(' '), sid: input.sid, fresh: input.fresh,
      };
      return { token: signCompact({ alg, kid, typ: TYP }, claims, key), claims };
    },

    verifyCached,

    async verify(token: string): Promise<VerifyResult> {
      const cached = verifyCached(token);
      if (cached) return cached;
      if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'invalid' };
      let header;
      try {
        header = decodeProtectedHeader(token);
      } catch {
        return { ok: false, reason: 'invalid' };
      }
      if (typeof header.kid !== 'string' || header.kid.length > 128 || typeof header.alg !== 'string'
        || FORBIDDEN_HEADERS.some((h) => h in header)) return { ok: false, reason: 'invalid' };
      const key = await keys.verificationKey(header.kid, header.alg);
      if (!key) return { ok: false, reason: 'invalid' };
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: opts.issuer, audience: opts.audience, algorithms: [header.alg], typ: TYP,
          clockTolerance: LEEWAY_S, currentDate: new Date(now()),
          requiredClaims: ['exp', 'iat', 'jti', 'sub', 'sid'],
        });
        const claims = toClaims(payload);
        if (!claims) return { ok: false, reason: 'invalid' };
        remember(token, claims);
        return { ok: true, claims };
      } catch (err) {
        return { ok: false, reason: err instanceof errors.JWTExpired ? 'expired' : 'invalid' };
      }
    },
  };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;

function toClaims(p: JWTPayload): AccessClaims | undefined {
  const { iss, sub, aud, exp, iat, jti, scope, sid, fresh } = p as Record<string, unknown>;
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string' || typeof scope !== 'string'
    || typeof exp !== 'number' || typeof iat !== 'number' || typeof iss !== 'string' || typeof aud !== 'string') return undefined;
  return { iss, sub, aud, exp, iat, jti, scope, sid, fresh: fresh === true };
}
