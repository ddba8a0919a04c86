// src/core/mfa/passkey-factor.ts (the mfa branch creates this file too; keep it identical)
export interface PasskeyFactor {
  count(userId: string): Promise<number>;
  /** Assertion options for this user's passkeys, bound to `flowId` (single-use challenge, 5 min). */
  options(userId: string, flowId: string): Promise<unknown>;
  /** True when `response` is a valid assertion by one of `userId`'s passkeys for `flowId`'s challenge. */
  verify(userId: string, flowId: string, response: unknown): Promise<boolean>;
  /** Removes every passkey of the user (admin removal of factors). */
  removeAll(userId: string): Promise<void>;
}
