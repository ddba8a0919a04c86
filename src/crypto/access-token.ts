import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { randomUUID } from 'node:crypto';
import { signCompact } from './jws-sign.js';
import type { Key, KeyStore } from './key-store.js';
import { audienceFits, createTokenProfiles, profileOf, type ProfileName, type TokenInput, type TokenProfiles } from './token-profiles.js';

/** Tessera's claims, which every profile carries, plus the profile's own (`user`, `permissions`, …). */
export interface BaseClaims {
  iss: string;
  sub: string;
  /** Absent for the profiles that carry no audience (simple, aegis). */
  aud?: string | string[];
  exp: number;
  iat: number;
  jti: string;
  scope: string;
  sid: string;
  fresh: boolean;
}

export type AccessClaims = BaseClaims & { readonly [claim: string]: unknown };

export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: 'expired' | 'invalid' };

export interface AccessTokenOptions {
  issuer: string;
  /** TESSERA_JWT_AUDIENCE, the oauth2 profile's; used when `profiles` is not given. */
  audience: string;
  profiles?: TokenProfiles;
  ttlSeconds: number;
  /** How many verified tokens to remember; 0 disables the cache. */
  cacheSize?: number;
  now?: () => number;
}

export const LEEWAY_S = 30;
const MAX_TOKEN_LENGTH = 4096;
const TYPS = new Set(['at+jwt', 'JWT']);
// Headers that would make a verifier fetch or trust a key the token brings itself.
const FORBIDDEN_HEADERS = ['jku', 'jwk', 'x5u', 'x5c', 'crit'];

/** A face's HS256 secret: its kid names it without revealing it, and it vouches only for its own profiles. */
interface FaceKey { kid: string; key: KeyObject; profiles: Set<ProfileName> }

function faceKeysOf(profiles: TokenProfiles): Map<string, FaceKey> {
  const out = new Map<string, FaceKey>();
  for (const p of Object.values(profiles)) {
    if (!p.secret) continue;
    const kid = createHash('sha256').update('tessera-face-hs256:' + p.secret).digest('base64url').slice(0, 16);
    const known = out.get(kid);
    if (known) known.profiles.add(p.name);
    else out.set(kid, { kid, key: createSecretKey(Buffer.from(p.secret, 'utf8')), profiles: new Set([p.name]) });
  }
  return out;
}

/**
 * Access tokens as JWTs, in the profile of the face that issues them
 * (token-profiles.ts), signed with the server's key or with the face's own
 * secret. Any profile verifies here: one cache, one set of rules.
 */
export function createAccessTokens(keys: KeyStore, opts: AccessTokenOptions) {
  const now = opts.now ?? Date.now;
  const cacheSize = opts.cacheSize ?? 10_000;
  const profiles = opts.profiles ?? createTokenProfiles({ audience: opts.audience, usersAudience: ['fastapi-users:auth'] });
  const faceKeys = faceKeysOf(profiles);
  const faceKeyOf = new Map<ProfileName, FaceKey>();
  for (const k of faceKeys.values()) for (const p of k.profiles) faceKeyOf.set(p, k);
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

  async function keyFor(kid: string, alg: string): Promise<Key | undefined> {
    const face = faceKeys.get(kid);
    if (face) return alg === 'HS256' ? face.key : undefined;
    return keys.verificationKey(kid, alg);
  }

  /** The claims of a payload whose signature checked out, when its profile's rules hold. */
  function accepted(header: { kid: string; typ?: unknown }, p: JWTPayload & Record<string, unknown>): AccessClaims | undefined {
    const name = profileOf(header.typ, p);
    if (!name) return undefined;
    // A face secret is shared with that face's services: it vouches for its own profile only.
    const face = faceKeys.get(header.kid);
    if (face && !face.profiles.has(name)) return undefined;
    const profile = profiles[name];
    if (!audienceFits(profile, p.aud) || !profile.hasClaims(p)) return undefined;
    const { iss, sub, exp, iat, jti, scope, sid } = p;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string' || typeof scope !== 'string'
      || typeof exp !== 'number' || typeof iat !== 'number' || typeof iss !== 'string') return undefined;
    return { ...p, iss, sub, exp, iat, jti, scope, sid, fresh: p.fresh === true };
  }

  return {
    profiles,

    sign(input: TokenInput & { profile?: ProfileName }): { token: string; claims: AccessClaims } {
      const profile = profiles[input.profile ?? 'oauth2'];
      const face = faceKeyOf.get(profile.name);
      const { kid, alg, key } = face ? { kid: face.kid, alg: 'HS256' as const, key: face.key } : keys.signingKey();
      const iat = Math.floor(now() / 1000);
      const claims: AccessClaims = {
        iss: opts.issuer, sub: input.sub, ...(profile.aud === undefined ? {} : { aud: profile.aud }), exp: iat + opts.ttlSeconds, iat,
        jti: randomUUID(), scope: input.scope.join(' '), sid: input.sid, fresh: input.fresh, ...profile.extra(input, iat),
      };
      return { token: signCompact({ alg, kid, typ: profile.typ }, claims, key), claims };
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
      const { kid, alg } = header;
      if (typeof kid !== 'string' || kid.length > 128 || typeof alg !== 'string' || !TYPS.has(header.typ as string)
        || FORBIDDEN_HEADERS.some((h) => h in header)) return { ok: false, reason: 'invalid' };
      const key = await keyFor(kid, alg);
      if (!key) return { ok: false, reason: 'invalid' };
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: opts.issuer, algorithms: [alg], clockTolerance: LEEWAY_S, currentDate: new Date(now()),
          requiredClaims: ['exp', 'iat', 'jti', 'sub', 'sid'],
        });
        const claims = accepted({ kid, typ: header.typ }, payload as JWTPayload & Record<string, unknown>);
        if (!claims) return { ok: false, reason: 'invalid' };
        remember(token, claims);
        return { ok: true, claims };
      } catch (err) {
        return { ok: false, reason: err instanceof errors.JWTExpired ? 'expired' : 'invalid' };
      }
    },

    /** PEM (SPKI) of the key that signs `profile`'s tokens; undefined when that is a shared secret. */
    async publicPem(profile: ProfileName): Promise<string | undefined> {
      return faceKeyOf.has(profile) ? undefined : keys.publicPem();
    },
  };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;
