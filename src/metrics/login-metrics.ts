import { DomainError, StoreUnavailable } from '../core/errors.js';
import type { AuthService } from '../core/auth.js';
import type { SecondStep } from '../core/mfa/second-step.js';
import type { PasskeyService } from '../core/mfa/passkeys.js';
import type { Metrics } from './metrics.js';

/** The `outcome` label of a login: `success`, a domain error's stable code, `unavailable` or `error`. */
export function loginOutcome(err: unknown): string {
  if (err instanceof DomainError) return err.code;
  if (err instanceof StoreUnavailable) return 'unavailable';
  return 'error';
}

/** `fn` with every outcome counted as a login of `face`. */
function counted<A extends unknown[], R>(fn: (...args: A) => Promise<R>, face: string, metrics: Metrics): (...args: A) => Promise<R> {
  const success = metrics.logins.labels({ face, outcome: 'success' });
  return async (...args) => {
    try {
      const result = await fn(...args);
      success.inc();
      return result;
    } catch (err) {
      metrics.logins.inc({ face, outcome: loginOutcome(err) });
      throw err;
    }
  };
}

interface LoginServices {
  auth: AuthService;
  mfaLogin: SecondStep;
  passkeys: PasskeyService;
}

/**
 * The login services as one face sees them: every outcome of a password login (`auth.login`, whose
 * `mfa_required` is its own outcome), of a second step (`mfaLogin.verify`) and of a passkey login
 * (`passkeys.login`) is counted under that face's name. Core stays the one place that decides;
 * app.ts hands each face its own view, so no face carries metrics code.
 */
export function countingLogins<C extends LoginServices>(container: C, face: string, metrics: Metrics): C {
  const { auth, mfaLogin, passkeys } = container;
  return {
    ...container,
    auth: { ...auth, login: counted(auth.login, face, metrics) },
    mfaLogin: { ...mfaLogin, verify: counted(mfaLogin.verify, face, metrics) },
    passkeys: { ...passkeys, login: counted(passkeys.login, face, metrics) },
  };
}
