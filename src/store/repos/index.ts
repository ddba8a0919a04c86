import type { Db } from '../create-db.js';
import { createUsersRepo } from './users-repo.js';
import { withUserCache } from './cached-users.js';
import { buildRepos } from './repo-factories.js';
import { createUnitOfWork } from './unit-of-work.js';

export interface RepoOptions {
  /** How long a user read for a per-request check may be reused (cached-users.ts); 0, the default, never. */
  userCacheTtlMs?: number;
  /** Called after every write of a user (cached-users.ts). */
  onUserWrite?: (id: string) => void;
}

export function createRepos(db: Db, opts: RepoOptions = {}) {
  const users = withUserCache(createUsersRepo(db), { ttlMs: opts.userCacheTtlMs ?? 0, ...(opts.onUserWrite ? { onWrite: opts.onUserWrite } : {}) });
  return {
    users,
    ...buildRepos(db),
    /** Several repository calls as one change (unit-of-work.ts): a change and its audit event commit together. */
    transaction: createUnitOfWork(db, users, opts.onUserWrite),
  };
}

export type Repos = ReturnType<typeof createRepos>;
export type { TxRepos, Transaction } from './unit-of-work.js';
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
