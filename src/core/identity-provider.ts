/**
 * What core needs from a social-login provider, whatever protocol it speaks.
 * Core defines it; src/oauth/ implements it (OpenID Connect, GitHub); the
 * container wires the implementations in.
 */

export interface ProviderTokens {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms, when the provider says. */
  expiresAt: number | null;
}

export interface ProviderIdentity {
  /** The provider's stable subject: `sub`, or GitHub's numeric user id. */
  accountId: string;
  email: string | null;
  /** True only when the provider asserts that it verified `email`. */
  emailVerified: boolean;
  tokens: ProviderTokens;
}

export interface AuthorizationRequest {
  redirectUri: string;
  scopes: string[];
  state: string;
  /** The PKCE verifier; the provider sees only its S256 challenge. */
  codeVerifier: string;
  nonce: string;
}

export interface CodeExchange {
  /** The redirect URI with the callback's query, exactly as the provider sent it. */
  callbackUrl: URL;
  state: string;
  codeVerifier: string;
  nonce: string;
}

export interface IdentityProvider {
  readonly name: string;
  readonly defaultScopes: readonly string[];
  /** Throws OAuthProviderUnavailable when the provider cannot be reached (e.g. discovery fails). */
  authorizationUrl(req: AuthorizationRequest): Promise<string>;
  /** Trades the code for tokens and reads who the user is; throws OAuthProviderError / OAuthProviderUnavailable. */
  exchange(x: CodeExchange): Promise<ProviderIdentity>;
}

/** RFC 6749 error codes are printable ASCII without quote or backslash; anything else is not echoed. */
const ERROR_CODE = /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

/** A provider's OAuth error code, safe to repeat in an answer or a log; 'provider_error' when it is not one. */
export const safeErrorCode = (code: unknown): string =>
  typeof code === 'string' && ERROR_CODE.test(code) ? code : 'provider_error';
