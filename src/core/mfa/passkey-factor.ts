import type { TxRepos } from '../../store/repos/index.js';

/**
 * Passkeys as a second factor, as the multi-factor code sees them. The passkeys module implements
 * it; without one, a user's `webauthn` count is 0 and the method is never offered.
 */
export interface PasskeyFactor {
  count(userId: string): Promise<number>;
  /** Assertion options for this user's passkeys, bound to `flowId` (single-use challenge, 5 min). */
  options(userId: string, flowId: string): Promise<unknown>;
  /** True when `response` is a valid assertion by one of `userId`'s passkeys for `flowId`'s challenge. */
  verify(userId: string, flowId: string, response: unknown): Promise<boolean>;
  /**
   * Deletes every passkey of the user (an admin's removal of all factors) on `tx`, the caller's
   * transaction, which also owns the second-factor flag. Returns how many went.
   */
  removeAll(userId: string, tx: Pick<TxRepos, 'passkeys'>): Promise<number>;
}

/** Where the passkeys module reports its changes: called in the transaction of the change (`tx`). */
export type SecondFactorChanged = (userId: string, tx: Pick<TxRepos, 'users' | 'mfa' | 'passkeys'>) => Promise<void>;
