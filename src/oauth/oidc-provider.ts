import * as oidc from 'openid-client';
import type { OAuthProviderConfig } from '../config/oauth-providers.js';
import type { IdentityProvider, ProviderIdentity } from '../core/identity-provider.js';
import type { ProviderErrorLog } from './provider-error-log.js';
import { providerFailure } from './provider-errors.js';

export const PROVIDER_TIMEOUT_S = 10;
const REDISCOVER_AFTER_FAILURE_MS = 5_000;

const asVerified = (v: unknown) => v === true || v === 'true'; // some issuers send the string

/** Plain http only for loopback issuers (checked when the config was loaded): tests and local development. */
export const insecureOptions = (cfg: OAuthProviderConfig) => (cfg.allowInsecure ? { execute: [oidc.allowInsecureRequests] } : {});

export function tokensOf(t: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, now: number) {
  const expiresIn = t.expiresIn();
  return { accessToken: t.access_token, refreshToken: t.refresh_token ?? null, expiresAt: expiresIn === undefined ? null : now + expiresIn * 1000 };
}

/**
 * Any OpenID Connect issuer, configured by discovery on first use (and
 * rediscovered after a failure). Sends PKCE S256 and a nonce; the ID token
 * is validated by openid-client; email and email_verified come from the ID
 * token, or from the UserInfo endpoint when the ID token leaves them out.
 */
export function createOidcProvider(cfg: OAuthProviderConfig, log: ProviderErrorLog, now: () => number = Date.now): IdentityProvider {
  let discovered: Promise<oidc.Configuration> | undefined;
  let failedAt = 0;

  function configuration(): Promise<oidc.Configuration> {
    if (!discovered && now() - failedAt >= REDISCOVER_AFTER_FAILURE_MS) {
      discovered = oidc.discovery(new URL(cfg.url), cfg.clientId, cfg.clientSecret, undefined, { timeout: PROVIDER_TIMEOUT_S, ...insecureOptions(cfg) });
      discovered.catch(() => { discovered = undefined; failedAt = now(); });
    }
    return discovered ?? Promise.reject(new Error('discovery failed recently'));
  }

  async function guarded<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      log(cfg.name, err);
      throw providerFailure(err);
    }
  }

  return {
    name: cfg.name,
    defaultScopes: cfg.scopes,

    authorizationUrl: (req) => guarded(async () => {
      const c = await configuration();
      const scopes = req.scopes.includes('openid') ? req.scopes : ['openid', ...req.scopes];
      return oidc.buildAuthorizationUrl(c, {
        redirect_uri: req.redirectUri, response_type: 'code', scope: scopes.join(' '), state: req.state, nonce: req.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(req.codeVerifier), code_challenge_method: 'S256',
      }).href;
    }),

    exchange: (x) => guarded(async (): Promise<ProviderIdentity> => {
      const c = await configuration();
      const tokens = await oidc.authorizationCodeGrant(c, x.callbackUrl, {
        pkceCodeVerifier: x.codeVerifier, expectedState: x.state, expectedNonce: x.nonce, idTokenExpected: true,
      });
      const claims = tokens.claims()!;
      let { email, email_verified: verified } = claims as { email?: unknown; email_verified?: unknown };
      if (typeof email !== 'string' && c.serverMetadata().userinfo_endpoint) {
        const info = await oidc.fetchUserInfo(c, tokens.access_token, claims.sub);
        ({ email, email_verified: verified } = info);
      }
      return {
        accountId: claims.sub, email: typeof email === 'string' ? email : null,
        emailVerified: typeof email === 'string' && asVerified(verified), tokens: tokensOf(tokens, now()),
      };
    }),
  };
}
