import { createSecretBox, type SecretBox } from '../../crypto/secret-box.js';
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
 * Resolved on first use, not at start: a server where nobody uses MFA never stores a key.
 * A failed resolution (database down) is retried by the next caller.
 */
export function lazyMfaCrypto(loadKey: () => Promise<Buffer>): () => Promise<MfaCrypto> {
  let pending: Promise<MfaCrypto> | undefined;
  return () => (pending ??= loadKey().then((key) => ({ totpBox: createSecretBox(key, TOTP_BOX_PURPOSE), hashRecoveryCode: recoveryCodeHasher(key) }))
    .catch((err: unknown) => { pending = undefined; throw err; }));
}
