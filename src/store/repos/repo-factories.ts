import type { Db } from '../create-db.js';
import { createSessionsRepo } from './sessions-repo.js';
import { createRefreshTokensRepo } from './refresh-tokens-repo.js';
import { createPurposeTokensRepo } from './purpose-tokens-repo.js';
import { createSigningKeysRepo } from './signing-keys-repo.js';
import { createOAuthAccountsRepo } from './oauth-accounts-repo.js';
import { createServerSecretsRepo } from './server-secrets-repo.js';
import { createAccessTokensRepo } from './access-tokens-repo.js';
import { createRolesRepo } from './roles-repo.js';
import { createAuditRepo } from './audit-repo.js';
import { createWebhooksRepo } from './webhooks-repo.js';
import { createWebAuthnCredentialsRepo } from './webauthn-credentials-repo.js';
import { createWebAuthnChallengesRepo } from './webauthn-challenges-repo.js';
import { createMfaRepo } from './mfa-repo.js';

/** Every repository but users (which gets a cache), by the name core knows it by. */
export const REPO_FACTORIES = {
  sessions: createSessionsRepo,
  refreshTokens: createRefreshTokensRepo,
  accessTokens: createAccessTokensRepo,
  purposeTokens: createPurposeTokensRepo,
  signingKeys: createSigningKeysRepo,
  oauthAccounts: createOAuthAccountsRepo,
  serverSecrets: createServerSecretsRepo,
  roles: createRolesRepo,
  audit: createAuditRepo,
  webhooks: createWebhooksRepo,
  passkeys: createWebAuthnCredentialsRepo,
  passkeyChallenges: createWebAuthnChallengesRepo,
  mfa: createMfaRepo,
} satisfies Record<string, (db: Db) => unknown>;

export type PlainRepos = { [K in keyof typeof REPO_FACTORIES]: ReturnType<(typeof REPO_FACTORIES)[K]> };

/** Every plain repository on `db`, built now. */
export function buildRepos(db: Db): PlainRepos {
  return Object.fromEntries(Object.entries(REPO_FACTORIES).map(([name, make]) => [name, make(db)])) as PlainRepos;
}

/** Every plain repository on `db`, each built on first use (a transaction touches two or three of them). */
export function lazyRepos(db: Db): PlainRepos {
  const repos = {} as PlainRepos;
  for (const [name, make] of Object.entries(REPO_FACTORIES)) {
    Object.defineProperty(repos, name, {
      enumerable: true, configurable: true,
      get() {
        const repo = make(db);
        Object.defineProperty(repos, name, { value: repo, enumerable: true });
        return repo;
      },
    });
  }
  return repos;
}
