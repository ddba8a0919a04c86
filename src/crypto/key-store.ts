import { createHash, createSecretKey, type KeyObject, type webcrypto } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';
import type { SigningKeysRepo } from '../store/repos/signing-keys-repo.js';

export type JwtAlg = 'EdDSA' | 'ES256' | 'RS256' | 'HS256';
/** What jose signs and verifies with: WebCrypto keys for pairs, a KeyObject for HMAC. */
export type Key = webcrypto.CryptoKey | KeyObject;

interface LoadedKey {
  kid: string;
  alg: JwtAlg;
  privateKey: Key;
  publicKey: Key;
  publicJwk: JWK;
  retiredAt: number | null;
}

export interface KeyStoreOptions {
  alg: JwtAlg;
  /** Required for HS256: the key is derived from it and never stored. */
  secret?: string;
  /** How long a retired key keeps verifying: the access-token lifetime plus margin, ms. */
  verifyGraceMs: number;
  now?: () => number;
}

const RELOAD_THROTTLE_MS = 1_000;

/**
 * Signing keys live in the database so every instance signs and verifies
 * with the same set, and tokens survive restarts. A key is generated at first
 * start; rotation adds a new key and retires the old one, which keeps
 * verifying until tokens it signed have expired.
 */
export function createKeyStore(repo: SigningKeysRepo, opts: KeyStoreOptions) {
  const now = opts.now ?? Date.now;
  let keys = new Map<string, LoadedKey>();
  let current: LoadedKey | undefined;
  let lastReload = 0;

  const hmac = opts.alg === 'HS256' && opts.secret ? hmacKey(opts.secret) : undefined;

  async function load(): Promise<void> {
    const rows = await repo.listUsable(now() - opts.verifyGraceMs);
    const next = new Map<string, LoadedKey>();
    for (const r of rows) {
      const alg = r.alg as JwtAlg;
      const privateKey = (await importJWK(JSON.parse(r.privateJwk) as JWK, alg, { extractable: true })) as Key;
      const publicJwk = JSON.parse(r.publicJwk) as JWK;
      const publicKey = (await importJWK(publicJwk, alg, { extractable: true })) as Key;
      next.set(r.kid, { kid: r.kid, alg, privateKey, publicKey, publicJwk, retiredAt: r.retiredAt });
    }
    if (hmac) next.set(hmac.kid, hmac);
    keys = next;
    // An instance whose key another instance retired (a rolling change of TESSERA_JWT_ALG) keeps
    // signing with it while it still verifies everywhere, rather than having no key at all.
    current = hmac ?? [...next.values()].find((k) => k.retiredAt === null && k.alg === opts.alg)
      ?? (current && next.get(current.kid));
    lastReload = now();
  }

  async function generate(): Promise<LoadedKey> {
    const alg = opts.alg as Exclude<JwtAlg, 'HS256'>;
    const pair = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}), ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
    const publicJwk = await exportJWK(pair.publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = await exportJWK(pair.privateKey);
    await repo.insert({
      kid, alg, privateJwk: JSON.stringify({ ...privateJwk, kid, alg }),
      publicJwk: JSON.stringify({ ...publicJwk, kid, alg, use: 'sig' }), createdAt: now(), retiredAt: null,
    });
    return { kid, alg, privateKey: pair.privateKey, publicKey: pair.publicKey, publicJwk, retiredAt: null };
  }

  return {
    async init(): Promise<void> {
      await load();
      if (!current) {
        await generate();
        await load();
      }
      // After a change of TESSERA_JWT_ALG, keys of the old algorithm stop signing (on every
      // instance, at its next reload) but keep verifying the tokens they signed until those expire.
      if ([...keys.values()].some((k) => k.alg !== opts.alg && k.retiredAt === null)) {
        await repo.retireOtherAlgorithms(opts.alg, now());
        await load();
      }
    },

    /** Reads keys again (another instance may have rotated); called periodically. */
    reload: load,

    signingKey(): { kid: string; alg: JwtAlg; key: Key } {
      if (!current) throw new Error('key store not initialised');
      return { kid: current.kid, alg: current.alg, key: current.privateKey };
    },

    /** The key that may verify a token with this `kid` and `alg`; an unknown kid triggers a throttled reload. */
    async verificationKey(kid: string, alg: string): Promise<Key | undefined> {
      let k = keys.get(kid);
      if (!k && now() - lastReload > RELOAD_THROTTLE_MS) {
        lastReload = now(); // throttle failed attempts too
        // A kid we cannot look up (database down) is a kid we do not know: the token is refused, not a 503.
        await load().catch(() => undefined);
        k = keys.get(kid);
      }
      // One algorithm per key: a token naming another algorithm is forged (e.g. HS256 signed with a public key).
      return k && k.alg === alg ? k.publicKey : undefined;
    },

    /** Public keys still able to verify a live token (none for HS256). */
    jwks(): JWK[] {
      return [...keys.values()].filter((k) => k.alg !== 'HS256')
        .map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' }));
    },

    /** PEM (SPKI) of the current signing key; undefined for symmetric keys. */
    async publicPem(): Promise<string | undefined> {
      if (!current || current.alg === 'HS256') return undefined;
      return exportSPKI(current.publicKey as webcrypto.CryptoKey);
    },

    /** Makes a new signing key and retires the others. */
    async rotate(): Promise<string> {
      if (hmac) throw new Error('HS256 keys come from TESSERA_JWT_SECRET; change the secret to rotate');
      const k = await generate();
      await repo.retireAllBut(k.kid, now());
      await load();
      return k.kid;
    },
  };
}

export type KeyStore = ReturnType<typeof createKeyStore>;

function hmacKey(secret: string): LoadedKey {
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  // The kid names the secret without revealing it.
  const kid = createHash('sha256').update('tessera-hs256:' + secret).digest('base64url').slice(0, 16);
  return { kid, alg: 'HS256', privateKey: key, publicKey: key, publicJwk: {}, retiredAt: null };
}
