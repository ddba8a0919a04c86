import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { decodeTokenKey } from '../config/oauth-providers.js';
import { lazy } from '../lazy.js';
import type { ServerSecretsRepo } from '../store/repos/server-secrets-repo.js';

/** Authenticated encryption of short secrets (provider tokens, the OAuth flow cookie). */
export interface SecretBox {
  /** `v1.<kid>.<iv>.<ciphertext+tag>`, base64url parts. */
  seal(plain: string): string;
  /** The plaintext, or undefined when the box is forged, truncated or sealed under another key or purpose. */
  open(sealed: string): string | undefined;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM under a key derived (HKDF-SHA256) from `masterKey` for one
 * `purpose`, so a ciphertext made for one use never opens in another.
 */
export function createSecretBox(masterKey: Buffer, purpose: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `tessera ${purpose}`, 32));
  // Names the key, so a key change shows up as "other key" rather than as a forgery.
  const kid = createHash('sha256').update(key).digest('base64url').slice(0, 8);
  const aad = Buffer.from(`tessera:${purpose}`);

  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `v1.${kid}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed) {
      const [v, k, ivText, bodyText, ...rest] = sealed.split('.');
      if (v !== 'v1' || k !== kid || !ivText || !bodyText || rest.length > 0) return undefined;
      const iv = Buffer.from(ivText, 'base64url');
      const body = Buffer.from(bodyText, 'base64url');
      if (iv.length !== IV_BYTES || body.length < TAG_BYTES) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(aad);
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * The master key: TESSERA_OAUTH_TOKEN_KEY when set; otherwise a random key
 * generated once and kept in the database (shared by every instance). The
 * latter protects what is sealed in partial dumps and logs of its tables, not
 * against a thief holding the whole database.
 */
export async function resolveOAuthMasterKey(opts: { configured: string | undefined; secrets: ServerSecretsRepo; now: number }): Promise<Buffer> {
  if (opts.configured) return decodeTokenKey(opts.configured);
  const stored = await opts.secrets.getOrCreate('oauth_token_key', () => randomBytes(32).toString('base64url'), opts.now);
  return Buffer.from(stored, 'base64url');
}

/**
 * The master key as a durable key (config, else the database's), resolved on first use and then
 * kept: a server that never seals anything (no MFA, no webhooks) never stores one. A failed
 * resolution (database down) is retried by the next caller.
 */
export function lazyMasterKey(opts: { configured: string | undefined; secrets: ServerSecretsRepo; now: () => number }): () => Promise<Buffer> {
  return lazy(() => resolveOAuthMasterKey({ configured: opts.configured, secrets: opts.secrets, now: opts.now() }));
}
