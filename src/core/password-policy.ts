import type { CommonPasswords } from './common-passwords.js';
import { InvalidPassword } from './errors.js';

export interface PasswordPolicyOptions {
  minLength: number;
  maxLength: number;
  /** Lower-cased passwords refused as too common (issue-tracked: a maintained list). */
  commonPasswords?: CommonPasswords;
}

/** Unicode-equal passwords must hash the same whatever the keyboard produced. */
export const normalizePassword = (p: string): string => p.normalize('NFC');

/**
 * Length and "not your own name" rules only, no composition rules (NIST
 * 800-63B). Throws InvalidPassword with a reason the user can act on.
 */
export function createPasswordPolicy(opts: PasswordPolicyOptions) {
  return {
    check(password: string, identity: { email?: string | null; username?: string | null }): string {
      const p = normalizePassword(password);
      const length = [...p].length;
      if (length < opts.minLength) throw new InvalidPassword(`Password should be at least ${opts.minLength} characters`);
      if (length > opts.maxLength) throw new InvalidPassword(`Password should be at most ${opts.maxLength} characters`);
      const lower = p.toLowerCase();
      for (const id of [identity.email, identity.username]) {
        if (id && lower === id.normalize('NFC').toLowerCase()) throw new InvalidPassword('Password should not be the same as your email or username');
      }
      if (opts.commonPasswords?.has(lower)) throw new InvalidPassword('Password is too common');
      return p;
    },
  };
}

export type PasswordPolicy = ReturnType<typeof createPasswordPolicy>;
