import { createSecretKey, randomBytes } from 'node:crypto';
import { decodeProtectedHeader, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { signCompact } from '../../src/crypto/jws-sign.js';
import type { JwtAlg, Key } from '../../src/crypto/key-store.js';

async function keysFor(alg: JwtAlg): Promise<{ sign: Key; verify: Key }> {
  if (alg === 'HS256') {
    const k = createSecretKey(randomBytes(32));
    return { sign: k, verify: k };
  }
  const pair = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  return { sign: pair.privateKey, verify: pair.publicKey };
}

/** Tokens signed with node:crypto must be what jose (and so every JWT library) accepts. */
describe.each(['EdDSA', 'ES256', 'RS256', 'HS256'] as const)('signCompact (%s)', (alg) => {
  const payload = { sub: 'u1', sid: 's1', scope: 'me admin', exp: 4_000_000_000, iat: 1_700_000_000, fresh: true, name: 'Zoë ✓' };

  it('writes a compact JWS that jose verifies, with the header and claims given', async () => {
    const { sign, verify } = await keysFor(alg);
    const token = signCompact({ alg, kid: 'k1', typ: 'at+jwt' }, payload, sign);
    expect(token.split('.')).toHaveLength(3);
    expect(decodeProtectedHeader(token)).toEqual({ alg, kid: 'k1', typ: 'at+jwt' });
    const { payload: got } = await jwtVerify(token, verify, { algorithms: [alg], typ: 'at+jwt' });
    expect(got).toEqual(payload);
  });

  it('signs what it was given: another payload under the same signature is refused', async () => {
    const { sign, verify } = await keysFor(alg);
    const [h, , s] = signCompact({ alg, kid: 'k1', typ: 'at+jwt' }, payload, sign).split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, scope: 'me admin root' })).toString('base64url')}.${s}`;
    await expect(jwtVerify(forged, verify, { algorithms: [alg] })).rejects.toThrow(/signature/);
  });
});
