import type { OAuthProviderConfig } from '../config/oauth-providers.js';
import type { IdentityProvider } from '../core/identity-provider.js';
import type { ProviderErrorLog } from './provider-error-log.js';

/**
 * One IdentityProvider per configured provider, keyed by its path name. The
 * providers (and openid-client under them) are loaded only when one is
 * configured: most servers have none, and it costs start-up time.
 */
export async function createIdentityProviders(configs: OAuthProviderConfig[], log: ProviderErrorLog, now?: () => number): Promise<Map<string, IdentityProvider>> {
  if (configs.length === 0) return new Map();
  const [{ createGithubProvider }, { createOidcProvider }] = await Promise.all([import('./github-provider.js'), import('./oidc-provider.js')]);
  return new Map(configs.map((c) => [c.name, c.kind === 'github' ? createGithubProvider(c, log, now) : createOidcProvider(c, log, now)]));
}

export type { ProviderErrorLog } from './provider-error-log.js';
export { describeProviderError } from './provider-error-log.js';
