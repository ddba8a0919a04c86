import * as oidc from 'openid-client';
import { OAuthProviderError, OAuthProviderUnavailable } from '../core/errors.js';

/** RFC 6749 error codes are printable ASCII without quote or backslash; anything else is not echoed. */
const ERROR_CODE = /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

export const safeErrorCode = (code: unknown): string =>
  typeof code === 'string' && ERROR_CODE.test(code) ? code : 'provider_error';

/**
 * Turns what openid-client (or fetch) threw into a domain error: the provider
 * said no (its OAuth error code, e.g. `invalid_grant` for a replayed code),
 * its answer failed validation (`invalid_response`), or it could not be reached.
 */
export function providerFailure(err: unknown): Error {
  if (err instanceof OAuthProviderError || err instanceof OAuthProviderUnavailable) return err;
  if (err instanceof oidc.ResponseBodyError || err instanceof oidc.AuthorizationResponseError) return new OAuthProviderError(safeErrorCode(err.error));
  if (err instanceof oidc.WWWAuthenticateChallengeError) return new OAuthProviderError('invalid_token');
  if (err instanceof oidc.ClientError) {
    // A 5xx from the provider is an outage, not a refusal.
    const status = err.cause instanceof Response ? err.cause.status : 0;
    return status >= 500 ? new OAuthProviderUnavailable() : new OAuthProviderError('invalid_response');
  }
  return new OAuthProviderUnavailable();
}

/** What is safe to log about a provider failure: names and codes, never bodies (which may hold tokens). */
export function describeProviderError(err: unknown): Record<string, unknown> {
  const e = err as { name?: unknown; code?: unknown; error?: unknown; status?: unknown; message?: unknown };
  return {
    type: typeof e?.name === 'string' ? e.name : typeof err,
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.error === 'string' ? { error: safeErrorCode(e.error) } : {}),
    ...(typeof e?.status === 'number' ? { status: e.status } : {}),
    ...(typeof e?.message === 'string' ? { message: e.message.slice(0, 200) } : {}),
  };
}
