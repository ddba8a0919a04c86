import { DomainError, OAuthEmailUnavailable, OAuthProviderUnavailable, OAuthUserAlreadyExists, Overloaded } from '../core/errors.js';

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
  'social-unavailable': 'The sign-in provider is not answering. Try again in a moment, or use your password.',
};

/**
 * The name the page that started a flow (`landing` set: the pages' flows always carry one) shows
 * for its refused callback; undefined for a flow the API started, and for Tessera's own overload
 * or outage, whose 503 stands (a retry, not a refusal).
 */
function socialFailureName(err: unknown, mode: 'login' | 'link', landing: string | undefined): string | undefined {
  if (landing === undefined || !(err instanceof DomainError) || err instanceof Overloaded) return undefined;
  if (err instanceof OAuthProviderUnavailable) return 'social-unavailable';
  if (mode === 'link') return 'social-link';
  if (err instanceof OAuthUserAlreadyExists) return 'social-exists';
  if (err instanceof OAuthEmailUnavailable) return 'social-email';
  return 'social';
}

/** What `work` gives, or, refused for a flow the pages started, the name that page shows instead of the face's error. */
export function orPageFailure<T>(work: Promise<T>, mode: 'login' | 'link', landing: string | undefined): Promise<T | { failure: string }> {
  return work.catch((err: unknown) => {
    const failure = socialFailureName(err, mode, landing);
    if (failure) return { failure };
    throw err;
  });
}
