import { DomainError, StoreUnavailable } from '../core/errors.js';
import type { AuthService } from '../core/auth.js';
import type { Metrics } from './metrics.js';

/** The `outcome` label of a login: `success`, a domain error's stable code, `unavailable` or `error`. */
export function loginOutcome(err: unknown): string {
  if (err instanceof DomainError) return err.code;
  if (err instanceof StoreUnavailable) return 'unavailable';
  return 'error';
}

/**
 * The auth service as one face sees it: every `login` outcome is counted
 * under that face's name. The core login stays the one place that decides;
 * app.ts hands each face its own view, so no face carries metrics code.
 */
export function countingLogins(auth: AuthService, face: string, metrics: Metrics): AuthService {
  const success = metrics.logins.labels({ face, outcome: 'success' });
  const login: AuthService['login'] = async (...args) => {
    try {
      const result = await auth.login(...args);
      success.inc();
      return result;
    } catch (err) {
      metrics.logins.inc({ face, outcome: loginOutcome(err) });
      throw err;
    }
  };
  return { ...auth, login };
}
