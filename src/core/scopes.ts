import { InvalidScope } from './errors.js';

export interface ScopedUser {
  isSuperuser: boolean;
  scopes: string[];
  /** Scopes held through roles (read with the user record). */
  roleScopes?: string[];
  /** Whether the user has a second factor (users.mfa_enabled). */
  mfaEnabled?: boolean;
}

/** Server-wide rules on top of what a user holds. */
export interface ScopePolicy {
  /** TESSERA_MFA_REQUIRED=admins: a superuser without a second factor does not get `admin`. */
  adminNeedsSecondFactor: boolean;
}

/** Whether `user` holds `admin` now: a superuser, with a second factor when the policy asks for one. */
export const holdsAdmin = (user: ScopedUser, policy?: ScopePolicy): boolean =>
  user.isSuperuser && (!policy?.adminNeedsSecondFactor || user.mfaEnabled === true);

/** Whether a request may act as an admin: its user holds `admin` now and its token was granted it. */
export const actsAsAdmin = (user: ScopedUser, tokenScope: readonly string[], policy?: ScopePolicy): boolean =>
  holdsAdmin(user, policy) && tokenScope.includes('admin');

/** `me` always, `admin` for superusers (see holdsAdmin), plus what an admin granted, directly or through roles. */
export function effectiveScopes(user: ScopedUser, policy?: ScopePolicy): string[] {
  const set = new Set(['me', ...(holdsAdmin(user, policy) ? ['admin'] : []), ...user.scopes, ...(user.roleScopes ?? [])]);
  // Withheld by the policy: not through a granted scope or a role either.
  if (user.isSuperuser && !holdsAdmin(user, policy)) set.delete('admin');
  return [...set];
}

/** Parses an RFC 6749 scope string (space-separated). */
export const parseScope = (scope: string | undefined): string[] | undefined =>
  scope === undefined ? undefined : [...new Set(scope.split(' ').filter(Boolean))];

/** The requested scopes when all are within `allowed`; all of `allowed` when none were asked. */
export function narrowScopes(allowed: string[], requested: string[] | undefined): string[] {
  if (!requested || requested.length === 0) return allowed;
  const missing = requested.filter((s) => !allowed.includes(s));
  if (missing.length > 0) throw new InvalidScope(`scope not granted: ${missing.join(' ')}`);
  return requested;
}

export const hasScope = (scope: string, wanted: string): boolean => scope.split(' ').includes(wanted);
