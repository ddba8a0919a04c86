import type { Generated } from 'kysely';

/**
 * Table shapes shared by both dialects. Booleans are stored as 0/1 integers
 * and times as epoch milliseconds so that one set of queries serves SQLite
 * and PostgreSQL alike (better-sqlite3 cannot bind JS booleans).
 */
export interface UsersTable {
  seq: Generated<number>; // creation order, for stable listing
  id: string;
  email: string | null;
  email_normalized: string | null;
  username: string | null;
  username_normalized: string | null;
  /** UTS #39 skeleton of the username (username-skeleton.ts): unique, so no two names look alike. */
  username_skeleton: string | null;
  password_hash: string | null;
  is_active: number;
  is_superuser: number;
  is_verified: number;
  scopes: string; // JSON array
  created_at: number;
  updated_at: number;
  /** Moved by every password change or reset, deactivation and deletion (migration 0005). */
  credentials_version: Generated<number>;
  /** Integer account number (wisdom's account id), unique, handed out from counters.account_number. */
  account_number: number;
  first_name: string | null;
  last_name: string | null;
  /** 1 while the user has a second factor (migration 0008; kept by core/mfa syncSecondFactor). */
  mfa_enabled: Generated<number>;
}

export interface CountersTable {
  name: string;
  value: number;
}

/** Described scopes (wisdom's `scopes` table): users hold scopes by `value`, roles by `id`. */
export interface ScopeDefinitionsTable {
  id: Generated<number>;
  name: string;
  description: Generated<string>;
  value: string;
}

export interface RolesTable {
  id: Generated<number>;
  name: string;
  description: Generated<string>;
}

export interface RoleScopesTable {
  role_id: number;
  scope_id: number;
}

export interface UserRolesTable {
  user_id: string;
  role_id: number;
}

export interface SessionsTable {
  id: string;
  user_id: string; // no FK: a revoked session outlives its deleted user as a tombstone
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  rotating: number;
  /** Space-separated scopes granted at login; refreshes may only narrow them. */
  scope: string;
  /** The user's credentials_version when the session was opened; a refresh needs it still current. */
  credentials_version: Generated<number>;
  /** Numbered by the database when revoked_at is set (a trigger): what instances poll by. */
  revoked_seq: Generated<number | null>;
  /** Where the session was opened (migration 0007); null for sessions older than that. */
  ip: Generated<string | null>;
  user_agent: Generated<string | null>;
  /** The face (or `pages`) that opened it. */
  face: Generated<string | null>;
  /** Last use of one of its tokens, written at most once a minute per instance (core/session-activity.ts). */
  last_used_at: Generated<number | null>;
}

/** Security events (core/audit.ts); `detail` is a JSON object, never a secret. */
export interface AuditEventsTable {
  id: string;
  type: string;
  at: number;
  user_id: string | null;
  actor_id: string | null;
  face: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: string;
}

export interface RefreshTokensTable {
  id: string;
  session_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Opaque access tokens, by the SHA-256 of the token (never the token itself). */
export interface AccessTokensTable {
  token_hash: string;
  /** The token's `jti`: names it in introspection without revealing it. */
  id: string;
  session_id: string;
  user_id: string;
  profile: string;
  scope: string;
  fresh: number;
  created_at: number;
  expires_at: number;
}

export interface PurposeTokensTable {
  token_hash: string;
  user_id: string;
  kind: string;
  /** The normalised email the token was mailed to; a change of the account's email kills it. */
  bound: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
}

export interface OAuthAccountsTable {
  id: string;
  user_id: string;
  provider: string;
  /** The provider's stable subject (`sub`, or GitHub's numeric id). */
  account_id: string;
  account_email: string | null;
  /** 1 when the account's email was proven as the identity was linked; 0 links are dropped once it is proven by mail. */
  email_verified: number;
  access_token_enc: string;
  refresh_token_enc: string | null;
  expires_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: number;
}

/** A webhook receiver (migration 0010). `events`: JSON array of event types, or `["*"]`. */
export interface WebhookEndpointsTable {
  id: string;
  url: string;
  events: string;
  /** The `whsec_…` signing secret, sealed with the server's secret box. */
  secret_enc: string;
  created_at: number;
  /** 1 once the receiver answered 410 Gone. */
  disabled: number;
}

/** One event for one endpoint: the outbox row and its retry state (src/webhooks/dispatcher.ts). */
export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  /** The JSON body sent, fixed at enqueue time so every retry signs the same bytes. */
  payload: string;
  /** `pending`, `delivered` or `failed` (given up). */
  status: string;
  attempts: number;
  first_attempt_at: number | null;
  next_attempt_at: number | null;
  /** The receiver's HTTP status at the last attempt; null when it did not answer. */
  last_status: number | null;
  /** An instance holds the row until then while it makes an attempt. */
  lease_until: number | null;
  lease_owner: string | null;
  created_at: number;
}

/** A WebAuthn passkey (migration 0009). */
export interface WebAuthnCredentialsTable {
  /** The credential id, base64url. */
  id: string;
  user_id: string;
  /** COSE public key, base64url. */
  public_key: string;
  counter: number;
  transports: string; // JSON array
  backed_up: number;
  /** `singleDevice` or `multiDevice` (backup eligible). */
  device_type: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

/** A WebAuthn ceremony's challenge: single use, spent by deleting it. */
export interface WebAuthnChallengesTable {
  purpose: string; // register | login | mfa
  flow_id: string;
  challenge: string;
  user_id: string | null;
  session_id: string | null;
  created_at: number;
  expires_at: number;
}

/** TOTP of a user: the confirmed secret and a pending one, sealed; the last accepted time step. */
export interface MfaTotpTable {
  user_id: string;
  secret_enc: string | null;
  confirmed_at: number | null;
  pending_enc: string | null;
  pending_at: number | null;
  last_step: number | null;
}

/** Single-use recovery codes, by their keyed hash (HMAC-SHA256). */
export interface MfaRecoveryCodesTable {
  code_hash: string;
  user_id: string;
  created_at: number;
}

/** The second step of a password login, by the SHA-256 of its mfa_token. */
export interface MfaChallengesTable {
  token_hash: string;
  /** Names the flow (passkey challenges are bound to it) without revealing the token. */
  id: string;
  user_id: string;
  backend: string;
  /** JSON array of the requested scopes, or null when none were asked. */
  scope: string | null;
  credentials_version: number;
  attempts: Generated<number>;
  created_at: number;
  expires_at: number;
}

export interface Database {
  webauthn_credentials: WebAuthnCredentialsTable;
  webauthn_challenges: WebAuthnChallengesTable;
  mfa_totp: MfaTotpTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  mfa_challenges: MfaChallengesTable;
  oauth_accounts: OAuthAccountsTable;
  server_secrets: ServerSecretsTable;
  users: UsersTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  refresh_tokens: RefreshTokensTable;
  access_tokens: AccessTokensTable;
  purpose_tokens: PurposeTokensTable;
  signing_keys: SigningKeysTable;
  counters: CountersTable;
  scope_definitions: ScopeDefinitionsTable;
  roles: RolesTable;
  role_scopes: RoleScopesTable;
  user_roles: UserRolesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
