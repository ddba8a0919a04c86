/**
 * Named rate-limit policies. A face route names one and the account it acts
 * on, in one line of route config (rate-limit.ts, rate-limit-accounts.ts);
 * the numbers live here only. docs/security.md explains each.
 */
export type PolicyName = 'login' | 'token' | 'register' | 'mail' | 'verify' | 'refresh' | 'account' | 'admin' | 'callback' | 'passkey' | 'mfa';

export interface Window {
  max: number;
  windowMs: number;
}

export interface Policy {
  /** Requests per client address (IPv6 grouped by /64). */
  perAddress: Window;
  /** Requests per account (the user, the login named, or the token being redeemed). */
  perAccount?: Window;
  /**
   * What `perAccount` counts: every request (default), or only those not
   * answered with success (`failures`: each is counted on arrival, so a burst
   * is bounded, and taken back once it succeeded), so that the owner's own
   * successful sign-ins never use up the budget that bounds guessing.
   */
  perAccountCounts?: 'requests' | 'failures';
  /**
   * Failed password checks slow the account down progressively (see BACKOFF).
   * `login`: a success from an address is a correct password, and forgives
   * that address's failures. `check`: a success may have checked nothing (a
   * profile edit without `old_password`), so it forgives nothing.
   */
  backoff?: 'login' | 'check';
}

const MINUTE = 60_000;

export const POLICIES: Record<PolicyName, Policy> = {
  // Password checks: the expensive, guessable ones.
  login: { perAddress: { max: 30, windowMs: MINUTE }, backoff: 'login' },
  // OAuth2 token endpoint: password grant (a login) or refresh grant (a refresh).
  token: { perAddress: { max: 60, windowMs: MINUTE }, perAccount: { max: 60, windowMs: MINUTE }, backoff: 'login' },
  register: { perAddress: { max: 20, windowMs: 10 * MINUTE }, perAccount: { max: 5, windowMs: 10 * MINUTE } },
  // Routes that send mail (forgot-password, request-verify-token): a mailbox is not a free resource.
  mail: { perAddress: { max: 20, windowMs: 10 * MINUTE }, perAccount: { max: 3, windowMs: 10 * MINUTE } },
  // Redeeming a mailed token (verify, reset-password).
  verify: { perAddress: { max: 30, windowMs: 10 * MINUTE }, perAccount: { max: 10, windowMs: 10 * MINUTE } },
  refresh: { perAddress: { max: 120, windowMs: MINUTE }, perAccount: { max: 30, windowMs: MINUTE } },
  // A signed-in user's own account: checks old_password, changes the email, username or password.
  account: { perAddress: { max: 30, windowMs: MINUTE }, perAccount: { max: 30, windowMs: 10 * MINUTE }, backoff: 'check' },
  // An admin changing or creating accounts: generous (bulk scripts), still bounded per target account.
  admin: { perAddress: { max: 300, windowMs: MINUTE }, perAccount: { max: 30, windowMs: MINUTE } },
  // Social-login callbacks redeem a provider code; the account is only known after the exchange.
  callback: { perAddress: { max: 30, windowMs: MINUTE } },
  // WebAuthn ceremonies: options store a challenge, verify checks a signature; the account is the
  // signed-in user (registration), the username named (login options) or the login flow.
  passkey: { perAddress: { max: 30, windowMs: MINUTE }, perAccount: { max: 30, windowMs: 10 * MINUTE } },
  // Second-factor codes (login's second step, TOTP confirmation): 6 digits are guessable, so the
  // account's budget of wrong answers is small; each mfa_token also dies after 5 wrong codes.
  mfa: { perAddress: { max: 30, windowMs: MINUTE }, perAccount: { max: 10, windowMs: 5 * MINUTE }, perAccountCounts: 'failures' },
};

/**
 * Progressive delay after failed password checks, never a lockout. Failures
 * are counted per (account, address) and per account over `decayMs`. Past the
 * free allowance each further failure doubles the wait, up to a cap; a
 * success from that address clears its count. One address can therefore
 * never slow the account down for anyone else (it runs out of attempts
 * first), and a distributed attack only delays the account, boundedly.
 */
export const BACKOFF = {
  decayMs: 15 * MINUTE,
  pair: { free: 5, firstDelayMs: 1_000, maxDelayMs: 15 * MINUTE },
  account: { free: 20, firstDelayMs: 1_000, maxDelayMs: 5 * MINUTE },
};

/** The wait after the `n`-th failure: none within the allowance, then doubling up to the cap. */
export function backoffDelay(n: number, rule: { free: number; firstDelayMs: number; maxDelayMs: number }): number {
  if (n <= rule.free) return 0;
  return Math.min(rule.maxDelayMs, rule.firstDelayMs * 2 ** Math.min(30, n - rule.free - 1));
}
