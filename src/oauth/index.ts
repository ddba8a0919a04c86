import type { OAuthProviderConfig } from '../config/oauth-providers.js';
import { createGithubProvider } from './github-provider.js';
import type { IdentityProvider, ProviderErrorLog } from './identity-provider.js';
import { createOidcProvider } from './oidc-provider.js';

/** One IdentityProvider per configured provider, keyed by its path name. */
export function createIdentityProviders(configs: OAuthProviderConfig[], log: ProviderErrorLog, now?: () => number): Map<string, IdentityProvider> {
  return new Map(configs.map((c) => [c.name, c.kind === 'github' ? createGithubProvider(c, log, now) : createOidcProvider(c, log, now)]));
}

export type { IdentityProvider, ProviderIdentity, ProviderErrorLog } from './identity-provider.js';
export { describeProviderError } from './provider-errors.js';
