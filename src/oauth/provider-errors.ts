import * as oidc from 'openid-client';
import { OAuthProviderError, OAuthProviderUnavailable } from '../core/errors.js';
import { safeErrorCode } from '../core/identity-provider.js';

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
