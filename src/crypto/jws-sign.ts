import { createHmac, KeyObject, sign, type webcrypto } from 'node:crypto';
import type { JwtAlg, Key } from './key-store.js';

const keyObjects = new WeakMap<object, KeyObject>();

function keyObjectOf(key: Key): KeyObject {
  if (key instanceof KeyObject) return key;
  let k = keyObjects.get(key);
  if (!k) keyObjects.set(key, (k = KeyObject.from(key as webcrypto.CryptoKey)));
  return k;
}

function signature(alg: JwtAlg, input: Buffer, key: KeyObject): Buffer {
  switch (alg) {
    case 'EdDSA': return sign(null, input, key);
    // JWS (RFC 7518 §3.4) wants r‖s, not DER.
    case 'ES256': return sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' });
    case 'RS256': return sign('sha256', input, key);
    case 'HS256': return createHmac('sha256', key).update(input).digest();
  }
}

/**
 * A compact JWS (RFC 7515) signed synchronously with node:crypto. jose signs
 * through WebCrypto, whose every call is a job on the thread pool and a
 * promise: at login that set-up cost several times the Ed25519 signature
 * itself. Verification stays with jose (jwtVerify), which checks what this
 * writes in the tests.
 */
export function signCompact(header: { alg: JwtAlg; kid: string; typ: string }, payload: object, key: Key): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${signature(header.alg, Buffer.from(input), keyObjectOf(key)).toString('base64url')}`;
}
