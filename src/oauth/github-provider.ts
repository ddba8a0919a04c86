import * as oidc from 'openid-client';
import type { OAuthProviderConfig } from '../config/oauth-providers.js';
import { OAuthProviderError } from '../core/errors.js';
import type { IdentityProvider, ProviderIdentity } from '../core/identity-provider.js';
import type { ProviderErrorLog } from './provider-error-log.js';
import { PROVIDER_TIMEOUT_S, tokensOf } from './oidc-provider.js';
import { providerFailure } from './provider-errors.js';

interface GithubEmail { email: string; primary: boolean; verified: boolean }

/**
 * GitHub's token endpoint answers a bad or spent code with HTTP 200 and an
 * `error` body; re-labelled 400 so openid-client reports the OAuth error
 * (`bad_verification_code`) instead of a missing access token.
 */
function githubFetch(tokenEndpoint: string): oidc.CustomFetch {
  return async (url, options) => {
    const res = await fetch(url, options as RequestInit);
    if (url !== tokenEndpoint || res.status !== 200) return res;
    const text = await res.text();
    let error = false;
    try { error = typeof (JSON.parse(text) as { error?: unknown }).error === 'string'; } catch { /* left to openid-client */ }
    return new Response(text, { status: error ? 400 : 200, headers: res.headers });
  };
}

/**
 * GitHub (or GitHub Enterprise Server) OAuth apps: OAuth 2.0, not OpenID
 * Connect, so the identity comes from the REST API: `/user` for the id and
 * `/user/emails` for the primary email and whether GitHub verified it.
 */
export function createGithubProvider(cfg: OAuthProviderConfig, log: ProviderErrorLog, now: () => number = Date.now): IdentityProvider {
  const tokenEndpoint = `${cfg.url}/login/oauth/access_token`;
  const config = new oidc.Configuration(
    { issuer: cfg.url, authorization_endpoint: `${cfg.url}/login/oauth/authorize`, token_endpoint: tokenEndpoint },
    cfg.clientId, cfg.clientSecret,
  );
  config.timeout = PROVIDER_TIMEOUT_S;
  config[oidc.customFetch] = githubFetch(tokenEndpoint);
  if (cfg.allowInsecure) oidc.allowInsecureRequests(config);

  async function api<T>(accessToken: string, path: string): Promise<T | undefined> {
    const headers = new Headers({ accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' });
    const res = await oidc.fetchProtectedResource(config, accessToken, new URL(`${cfg.apiUrl}${path}`), 'GET', undefined, headers);
    // /user/emails needs the user:email scope; without it GitHub answers 403/404 and we fall back to the profile.
    if (res.status === 403 || res.status === 404) return undefined;
    if (!res.ok) throw new OAuthProviderError(res.status >= 500 ? 'temporarily_unavailable' : 'invalid_token');
    return (await res.json()) as T;
  }

  async function identity(accessToken: string): Promise<Pick<ProviderIdentity, 'accountId' | 'email' | 'emailVerified'>> {
    const user = await api<{ id?: unknown; email?: unknown }>(accessToken, '/user');
    if (!user || (typeof user.id !== 'number' && typeof user.id !== 'string')) throw new OAuthProviderError('invalid_response');
    const emails = (await api<GithubEmail[]>(accessToken, '/user/emails')) ?? [];
    const list = Array.isArray(emails) ? emails.filter((e) => e && typeof e.email === 'string') : [];
    const chosen = list.find((e) => e.primary && e.verified) ?? list.find((e) => e.primary)
      ?? (typeof user.email === 'string' ? { email: user.email, verified: list.some((e) => e.email === user.email && e.verified) } : undefined);
    return { accountId: String(user.id), email: chosen?.email ?? null, emailVerified: chosen?.verified === true };
  }

  return {
    name: cfg.name,
    defaultScopes: cfg.scopes,

    async authorizationUrl(req) {
      return oidc.buildAuthorizationUrl(config, {
        redirect_uri: req.redirectUri, scope: req.scopes.join(' '), state: req.state,
        code_challenge: await oidc.calculatePKCECodeChallenge(req.codeVerifier), code_challenge_method: 'S256',
      }).href;
    },

    async exchange(x) {
      try {
        const tokens = await oidc.authorizationCodeGrant(config, x.callbackUrl, { pkceCodeVerifier: x.codeVerifier, expectedState: x.state });
        return { ...(await identity(tokens.access_token)), tokens: tokensOf(tokens, now()) };
      } catch (err) {
        log(cfg.name, err);
        throw providerFailure(err);
      }
    },
  };
}
