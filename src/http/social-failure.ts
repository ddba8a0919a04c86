import { DomainError, OAuthEmailUnavailable, OAuthUserAlreadyExists, Overloaded } from '../core/errors.js';

/**
 * A social sign-in or link started from the hosted pages that failed at its callback goes back to
 * the page it started from (`/login?error=…`, `/account?error=…`) instead of answering the users
 * face's JSON. The query carries one of these fixed names, never text from the request.
 */
export const SOCIAL_FAILURES: Record<string, string> = {
  social: 'Signing in with that provider did not work. Try again, or use your password.',
  'social-exists': 'An account with that email address already exists. Sign in with your password, then link the provider from your account page.',
  'social-email': 'The provider did not share a verified email address, so no account could be made for it.',
  'social-link': 'Linking that sign-in provider did not work. Try again.',
};

/** The name a page shows for a refused callback; undefined for a retryable outage (the face's 503 stands). */
export function socialFailureName(err: unknown, mode: 'login' | 'link'): string | undefined {
  if (!(err instanceof DomainError) || err instanceof Overloaded) return undefined;
  if (mode === 'link') return 'social-link';
  if (err instanceof OAuthUserAlreadyExists) return 'social-exists';
  if (err instanceof OAuthEmailUnavailable) return 'social-email';
  return 'social';
}
