import { randomUUID } from 'node:crypto';
import type { AccessClaims, VerifyResult } from '../crypto/access-token.js';
import { hashToken } from '../crypto/random-token.js';
import type { ProfileName, TokenInput, TokenProfiles } from '../crypto/token-profiles.js';
import type { AccessTokensRepo, OpaqueTokenRecord } from '../store/repos/access-tokens-repo.js';

/** wisdom's gateway lets only such bearer tokens through: a version 4 UUID, lower case. */
const OPAQUE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const looksOpaque = (token: string): boolean => token.length === 36 && OPAQUE.test(token);

export interface OpaqueTokenOptions {
  repo: AccessTokensRepo;
  profiles: TokenProfiles;
  issuer: string;
  ttlSeconds: number;
  /** How many looked-up tokens to remember; 0 disables the cache. */
  cacheSize?: number;
  now?: () => number;
}

/**
 * Opaque access tokens: a random UUID for the client, its SHA-256 with the
 * claims a JWT would carry in the database. A token looked up once is kept
 * in memory (by its hash) until it expires, so a client reusing its token
 * costs no database read, as a verified JWT costs no signature check; the
 * session's revocation is checked by the caller, as for JWTs.
 */
export function createOpaqueTokens(opts: OpaqueTokenOptions) {
  const now = opts.now ?? Date.now;
  const cacheSize = opts.cacheSize ?? 10_000;
  const cache = new Map<string, AccessClaims>();

  function claimsOf(r: OpaqueTokenRecord): AccessClaims {
    const profile = opts.profiles[r.profile as ProfileName] ?? opts.profiles.oauth2;
    const iat = Math.floor(r.createdAt / 1000);
    const input: TokenInput = { sub: r.userId, sid: r.sessionId, scope: r.scope, fresh: r.fresh };
    return {
      iss: opts.issuer, sub: r.userId, ...(profile.aud === undefined ? {} : { aud: profile.aud }), exp: Math.floor(r.expiresAt / 1000), iat,
      jti: r.id, scope: r.scope.join(' '), sid: r.sessionId, fresh: r.fresh, ...profile.extra(input, iat),
    };
  }

  function remember(hash: string, claims: AccessClaims) {
    if (cacheSize === 0) return;
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
    cache.set(hash, claims);
  }

  // Our own clock and our own tokens: no leeway.
  const verdict = (claims: AccessClaims): VerifyResult =>
    claims.exp * 1000 > now() ? { ok: true, claims } : { ok: false, reason: 'expired' };

  return {
    async issue(input: TokenInput & { profile: ProfileName }): Promise<{ token: string; claims: AccessClaims }> {
      const token = randomUUID();
      const createdAt = now();
      const record: OpaqueTokenRecord = {
        tokenHash: hashToken(token), id: randomUUID(), sessionId: input.sid, userId: input.sub, profile: input.profile,
        scope: input.scope, fresh: input.fresh,
        // Whole seconds, as a JWT's exp: introspection reports the same instant the cache checks.
        createdAt, expiresAt: (Math.floor(createdAt / 1000) + opts.ttlSeconds) * 1000,
      };
      await opts.repo.insert(record);
      return { token, claims: claimsOf(record) };
    },

    /** The verdict on a token looked up before, without waiting; undefined when it must be read. */
    verifyCached(token: string): VerifyResult | undefined {
      const hit = cache.get(hashToken(token));
      return hit && verdict(hit);
    },

    async verify(token: string): Promise<VerifyResult> {
      if (!looksOpaque(token)) return { ok: false, reason: 'invalid' };
      const hash = hashToken(token);
      const hit = cache.get(hash);
      if (hit) return verdict(hit);
      const r = await opts.repo.findByHash(hash);
      if (!r) return { ok: false, reason: 'invalid' };
      const claims = claimsOf(r);
      const v = verdict(claims);
      if (v.ok) remember(hash, claims);
      return v;
    },
  };
}

export type OpaqueTokens = ReturnType<typeof createOpaqueTokens>;
