import type { Db } from '../create-db.js';
import { createUsersRepo } from './users-repo.js';
import { withUserCache } from './cached-users.js';
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

export interface RepoOptions {
  /** How long a user read for a per-request check may be reused (cached-users.ts); 0, the default, never. */
  userCacheTtlMs?: number;
  /** Called after every write of a user (cached-users.ts). */
  onUserWrite?: (id: string) => void;
}

export function createRepos(db: Db, opts: RepoOptions = {}) {
  return {
    users: withUserCache(createUsersRepo(db), { ttlMs: opts.userCacheTtlMs ?? 0, ...(opts.onUserWrite ? { onWrite: opts.onUserWrite } : {}) }),
    sessions: createSessionsRepo(db),
    refreshTokens: createRefreshTokensRepo(db),
    accessTokens: createAccessTokensRepo(db),
    purposeTokens: createPurposeTokensRepo(db),
    signingKeys: createSigningKeysRepo(db),
    oauthAccounts: createOAuthAccountsRepo(db),
    serverSecrets: createServerSecretsRepo(db),
    roles: createRolesRepo(db),
    audit: createAuditRepo(db),
    webhooks: createWebhooksRepo(db),
    passkeys: createWebAuthnCredentialsRepo(db),
    passkeyChallenges: createWebAuthnChallengesRepo(db),
    mfa: createMfaRepo(db),
  };
}

export type Repos = ReturnType<typeof createRepos>;
export type { NewUserRecord, UserRecord, UserPatch, UserListQuery } from './users-repo.js';
export type { ScopeDefinition, RoleRecord, NewScopeDefinition, NewRole } from './roles-repo.js';
export { normalizeLogin } from './users-repo.js';
export type { SessionRecord, SessionView } from './sessions-repo.js';
export type { AuditEventRecord, AuditQuery, AuditExecutor } from './audit-repo.js';
export type { TotpRecord, MfaChallengeRecord } from './mfa-repo.js';
export type { RefreshTokenRecord, RefreshTokenWithSession } from './refresh-tokens-repo.js';
export type { PurposeTokenRecord } from './purpose-tokens-repo.js';
export type { OpaqueTokenRecord } from './access-tokens-repo.js';
export type { SigningKeyRecord } from './signing-keys-repo.js';
export type { OAuthAccountRecord, OAuthTokenPatch } from './oauth-accounts-repo.js';
export type { WebhookEndpointRecord, WebhookDeliveryRecord, NewDelivery, AttemptOutcome } from './webhooks-repo.js';
export type { PasskeyRecord } from './webauthn-credentials-repo.js';
export type { ChallengePurpose, ChallengeRecord } from './webauthn-challenges-repo.js';
