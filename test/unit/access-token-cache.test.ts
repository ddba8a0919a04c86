import { generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAccessTokens } from '../../src/crypto/access-token.js';
import type { KeyStore } from '../../src/crypto/key-store.js';

/** A one-key store that counts signature checks (each needs the verification key). */
async function countingKeys() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const stats = { keyLookups: 0 };
  const keys = {
    signingKey: () => ({ kid: 'k1', alg: 'EdDSA' as const, key: privateKey }),
    verificationKey: async (kid: string, alg: string) => {
      stats.keyLookups++;
      return kid === 'k1' && alg === 'EdDSA' ? publicKey : undefined;
    },
  } as unknown as KeyStore;
  return { keys, stats };
}

const input = { sub: 'user-1', sid: 'session-1', scope: ['me'], fresh: true };

describe('verified-token cache', () => {
  it('checks a signature once per token, then answers from the cache with the same claims', async () => {
    const { keys, stats } = await countingKeys();
    const tokens = createAccessTokens(keys, { issuer: 'http://t', audience: 'tessera', ttlSeconds: 60 });
    const { token, claims } = await tokens.sign(input);
    expect(await tokens.verify(token)).toEqual({ ok: true, claims });
    expect(await tokens.verify(token)).toEqual({ ok: true, claims });
    expect(stats.keyLookups).toBe(1);
  });

  it('verifyCached answers only for a token verified before, with the same verdict as verify', async () => {
    const { keys } = await countingKeys();
    let now = Date.UTC(2030, 0, 1);
    const tokens = createAccessTokens(keys, { issuer: 'http://t', audience: 'tessera', ttlSeconds: 60, now: () => now });
    const { token, claims } = await tokens.sign(input);
    expect(tokens.verifyCached(token)).toBeUndefined();
    await tokens.verify(token);
    expect(tokens.verifyCached(token)).toEqual({ ok: true, claims });
    now += 91_000;
    expect(tokens.verifyCached(token)).toEqual({ ok: false, reason: 'expired' });
    expect(await tokens.verify(token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('still refuses a cached token once it is past exp plus the 30 s leeway', async () => {
    const { keys } = await countingKeys();
    let now = Date.UTC(2030, 0, 1);
    const tokens = createAccessTokens(keys, { issuer: 'http://t', audience: 'tessera', ttlSeconds: 60, now: () => now });
    const { token } = await tokens.sign(input);
    expect((await tokens.verify(token)).ok).toBe(true);
    now += 89_000;
    expect((await tokens.verify(token)).ok).toBe(true);
    now += 2_000;
    expect(await tokens.verify(token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('never caches a token that failed, and a one-character change is a different, refused token', async () => {
    const { keys, stats } = await countingKeys();
    const tokens = createAccessTokens(keys, { issuer: 'http://t', audience: 'tessera', ttlSeconds: 60 });
    const { token } = await tokens.sign(input);
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expect((await tokens.verify(forged)).ok).toBe(false);
    expect((await tokens.verify(forged)).ok).toBe(false);
    expect(stats.keyLookups).toBe(2);
    expect((await tokens.verify(token)).ok).toBe(true);
  });

  it('a cached signature pasted under another payload or header is not a hit: it is checked, and refused', async () => {
    const { keys, stats } = await countingKeys();
    const tokens = createAccessTokens(keys, { issuer: 'http://t', audience: 'tessera', ttlSeconds: 60 });
    const { token } = await tokens.sign(input);
    expect((await tokens.verify(token)).ok).toBe(true);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const otherPayload = Buffer.from(JSON.stringify({ ...claims, sub: 'user-2', scope: 'me admin' })).toString('base64url');
    const otherHeader = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'k1', typ: 'at+jwt', x: 1 })).toString('base64url');
    for (const forged of [`${header}.${otherPayload}.${signature}`, `${otherHeader}.${payload}.${signature}`]) {
      expect(await tokens.verify(forged)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(stats.keyLookups).toBe(3);
    // The genuine token is still a hit.
    expect((await tokens.verify(token)).ok).toBe(true);
    expect(stats.keyLookups).toBe(3);
  });

  it('is bounded: the oldest entries are dropped and then verified again', async () => {
    const { keys, stats } = await countingKeys();
    const tokens = createAccessTokens(keys, { issuer: 'http://t', audience: 'tessera', ttlSeconds: 60, cacheSize: 2 });
    const [a, b, c] = await Promise.all([tokens.sign(input), tokens.sign(input), tokens.sign(input)]);
    for (const t of [a, b, c]) await tokens.verify(t!.token);
    expect(stats.keyLookups).toBe(3);
    await tokens.verify(c!.token);
    expect(stats.keyLookups).toBe(3);
    await tokens.verify(a!.token);
    expect(stats.keyLookups).toBe(4);
  });
});
