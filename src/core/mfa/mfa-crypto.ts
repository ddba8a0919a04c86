import { createSecretBox, type SecretBox } from '../../crypto/secret-box.js';
import { lazy } from '../../lazy.js';
import { recoveryCodeHasher } from './recovery-codes.js';

/** The secret-box purpose TOTP secrets are sealed under (the importer checks an exported secret opens). */
export const TOTP_BOX_PURPOSE = 'mfa-totp';

/** What protects MFA secrets at rest, all from one master key. */
export interface MfaCrypto {
  /** Seals TOTP secrets (AES-256-GCM, purpose `mfa-totp`). */
  totpBox: SecretBox;
  /** Keyed hash of a recovery code (HMAC-SHA256). */
  hashRecoveryCode: (code: string) => string;
}

/**
 * Built on first use from the master key (`masterKey`, itself resolved once: secret-box.ts
 * lazyMasterKey), so a server where nobody uses MFA never stores a key.
 */
export function lazyMfaCrypto(masterKey: () => Promise<Buffer>): () => Promise<MfaCrypto> {
  return lazy(async () => {
    const key = await masterKey();
    return { totpBox: createSecretBox(key, TOTP_BOX_PURPOSE), hashRecoveryCode: recoveryCodeHasher(key) };
  });
}
