import { InvalidScope } from './errors.js';

export interface ScopedUser {
  isSuperuser: boolean;
  scopes: string[];
  /** Scopes held through roles (read with the user record). */
  roleScopes?: string[];
}

/** `me` always, `admin` for superusers, plus what an admin granted, directly or through roles. */
export function effectiveScopes(user: ScopedUser): string[] {
  const set = new Set(['me', ...(user.isSuperuser ? ['admin'] : []), ...user.scopes, ...(user.roleScopes ?? [])]);
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
