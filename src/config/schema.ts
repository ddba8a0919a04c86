import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { OAuthProviderConfig } from './oauth-providers.js';

/**
 * Every setting Tessera reads, in one place. Each property carries the
 * environment variable it comes from (`env`), its default and its doc line;
 * the loader, the docs and the CLI all read this schema.
 */
const setting = <T extends TSchema>(schema: T, env: string, opts: { secret?: boolean } = {}) =>
  ({ ...schema, env, secret: opts.secret ?? false }) as T & { env: string; secret: boolean };

export const FACE_NAMES = ['users', 'oauth2', 'simple', 'aegis'] as const;
export type FaceName = (typeof FACE_NAMES)[number];
export const JWT_ALGS = ['EdDSA', 'ES256', 'RS256', 'HS256'] as const;
export const USERS_ADMIN_APIS = ['fastapi-users', 'wisdom'] as const;

export const ConfigSchema = Type.Object({
  databaseUrl: setting(
    Type.String({ pattern: '^(sqlite:.+|postgres(ql)?://.+)$', default: 'sqlite:./data/tessera.db',
      description: '`sqlite:<path>` (embedded default) or `postgres://…` (the scale path).' }),
    'TESSERA_DATABASE_URL', { secret: true }),
  host: setting(Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address to listen on.' }), 'TESSERA_HOST'),
  port: setting(Type.Integer({ minimum: 0, maximum: 65535, default: 8000, description: 'Port to listen on.' }), 'TESSERA_PORT'),
  metricsPort: setting(
    Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'Opens a second listener (on TESSERA_HOST) serving only /metrics, /healthz and /readyz, to anyone who reaches it.' })),
    'TESSERA_METRICS_PORT'),
  publicUrl: setting(
    Type.Optional(Type.String({ pattern: '^https?://[^\\s/]+(/\\S*)?$',
      description: 'External base URL: token issuer and base of mailed links. Default http://HOST:PORT.' })),
    'TESSERA_PUBLIC_URL'),
  faces: setting(
    Type.Array(Type.Union(FACE_NAMES.map((f) => Type.Literal(f))), { minItems: 1, uniqueItems: true,
      default: [...FACE_NAMES], description: 'Comma list of faces to mount.' }),
    'TESSERA_FACES'),
  usersAdminApi: setting(
    Type.Union(USERS_ADMIN_APIS.map((a) => Type.Literal(a)), { default: 'fastapi-users',
      description: 'Which API `/users`, `/users/me` and `/users/{id}` speak: FastAPI Users\' or the wisdom authorization service\'s (integer ids, names, roles).' }),
    'TESSERA_USERS_ADMIN_API'),
  jwtAlg: setting(
    Type.Union(JWT_ALGS.map((a) => Type.Literal(a)), { default: 'EdDSA', description: 'Access-token signing algorithm.' }),
    'TESSERA_JWT_ALG'),
  jwtAudience: setting(Type.String({ minLength: 1, default: 'tessera', description: 'The `aud` claim of the oauth2 face\'s access tokens.' }), 'TESSERA_JWT_AUDIENCE'),
  jwtSecret: setting(
    Type.Optional(Type.String({ minLength: 32, description: 'HS256 secret (at least 32 characters); required when TESSERA_JWT_ALG=HS256.' })),
    'TESSERA_JWT_SECRET', { secret: true }),
  usersAudience: setting(
    Type.Array(Type.String({ minLength: 1 }), { minItems: 1, default: ['fastapi-users:auth'], description: 'The `aud` list of the users face\'s tokens (FastAPI Users\' audience).' }),
    'TESSERA_USERS_AUDIENCE'),
  usersJwtSecret: setting(
    Type.Optional(Type.String({ minLength: 32, description: 'HS256 secret (at least 32 characters) that signs the users face\'s tokens instead of the server key.' })),
    'TESSERA_USERS_JWT_SECRET', { secret: true }),
  simpleJwtSecret: setting(
    Type.Optional(Type.String({ minLength: 32, description: 'HS256 secret (at least 32 characters) that signs the simple face\'s tokens instead of the server key.' })),
    'TESSERA_SIMPLE_JWT_SECRET', { secret: true }),
  aegisJwtSecret: setting(
    Type.Optional(Type.String({ minLength: 32, description: 'HS256 secret (at least 32 characters) that signs the aegis face\'s tokens instead of the server key.' })),
    'TESSERA_AEGIS_JWT_SECRET', { secret: true }),
  oauth2TokenFormat: setting(
    Type.Union([Type.Literal('jwt'), Type.Literal('opaque')], { default: 'jwt', description: 'Access tokens of the oauth2 face: `jwt` or `opaque` (a random UUID stored as a hash).' }),
    'TESSERA_OAUTH2_TOKEN_FORMAT'),
  accessTokenTtl: setting(Type.Integer({ minimum: 10, maximum: 86_400, default: 900, description: 'Access-token lifetime, seconds.' }), 'TESSERA_ACCESS_TOKEN_TTL'),
  refreshTokenTtl: setting(Type.Integer({ minimum: 60, maximum: 31_536_000, default: 2_592_000, description: 'Refresh-token (and session) absolute lifetime, seconds.' }), 'TESSERA_REFRESH_TOKEN_TTL'),
  verifyTokenTtl: setting(Type.Integer({ minimum: 60, default: 86_400, description: 'Email-verification token lifetime, seconds.' }), 'TESSERA_VERIFY_TOKEN_TTL'),
  resetTokenTtl: setting(Type.Integer({ minimum: 60, default: 3_600, description: 'Password-reset token lifetime, seconds.' }), 'TESSERA_RESET_TOKEN_TTL'),
  requireVerified: setting(Type.Boolean({ default: false, description: 'Refuse login to users whose email is not verified.' }), 'TESSERA_REQUIRE_VERIFIED'),
  mfaRequired: setting(
    Type.Union([Type.Literal('off'), Type.Literal('admins')], { default: 'off',
      description: '`admins`: a superuser without a second factor (TOTP or a passkey) does not hold the `admin` scope.' }),
    'TESSERA_MFA_REQUIRED'),
  mfaIssuer: setting(Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The issuer name authenticator apps show next to a TOTP account; unset: TESSERA_PRODUCT_NAME.' })), 'TESSERA_MFA_ISSUER'),
  cookieSecure: setting(Type.Boolean({ default: true, description: 'Mark the session cookie `Secure`.' }), 'TESSERA_COOKIE_SECURE'),
  smtpUrl: setting(Type.Optional(Type.String({ pattern: '^smtps?://.+', description: 'SMTP server for outgoing mail.' })), 'TESSERA_SMTP_URL', { secret: true }),
  mailOutbox: setting(Type.Optional(Type.String({ minLength: 1, description: 'Directory where every message is also written as JSON.' })), 'TESSERA_MAIL_OUTBOX'),
  mail: setting(Type.Boolean({ default: true, description: '`off`: no mail is sent (forgot-password and request-verify-token still answer 202).' }), 'TESSERA_MAIL'),
  mailFrom: setting(Type.String({ minLength: 3, default: 'Tessera <no-reply@localhost>', description: 'From address of mail.' }), 'TESSERA_MAIL_FROM'),
  redisUrl: setting(Type.Optional(Type.String({ pattern: '^rediss?://.+', description: 'Redis shared by instances for rate limits and revocations.' })), 'TESSERA_REDIS_URL', { secret: true }),
  rateLimits: setting(Type.Boolean({ default: true, description: '`off` disables rate limits (tests, benchmarks).' }), 'TESSERA_RATE_LIMITS'),
  trustedProxies: setting(Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Comma list of proxy addresses/CIDRs whose X-Forwarded-For is trusted.' }), 'TESSERA_TRUSTED_PROXIES'),
  corsOrigins: setting(Type.Array(Type.String({ pattern: '^https?://[^\\s/]+$' }), { default: [], description: 'Comma list of browser origins allowed by CORS and cookie CSRF checks.' }), 'TESSERA_CORS_ORIGINS'),
  webauthnRpId: setting(
    Type.Optional(Type.String({ pattern: '^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$',
      description: 'WebAuthn relying party id (a domain, lower case): the host of TESSERA_PUBLIC_URL or a parent domain of it. Default that host.' })),
    'TESSERA_WEBAUTHN_RP_ID'),
  pages: setting(Type.Boolean({ default: true, description: 'Hosted HTML pages (/login, /register, /account, /admin, …); `off` leaves an API-only server.' }), 'TESSERA_PAGES'),
  productName: setting(Type.String({ minLength: 1, maxLength: 100, default: 'Tessera', description: 'Name shown on the hosted pages and in mail.' }), 'TESSERA_PRODUCT_NAME'),
  linkBaseUrl: setting(
    Type.Optional(Type.String({ pattern: '^https?://[^\\s/]+(/\\S*)?$',
      description: 'Base of mailed links (/verify, /reset-password), e.g. an application\'s front end. Default TESSERA_PUBLIC_URL.' })),
    'TESSERA_LINK_BASE_URL'),
  problemBase: setting(Type.Optional(Type.String({ minLength: 1, description: 'Base of aegis problem `type` URIs. Default PUBLIC_URL/problems.' })), 'TESSERA_PROBLEM_BASE'),
  passwordMinLength: setting(Type.Integer({ minimum: 1, maximum: 256, default: 8, description: 'Shortest accepted password.' }), 'TESSERA_PASSWORD_MIN_LENGTH'),
  passwordMaxLength: setting(Type.Integer({ minimum: 8, maximum: 4096, default: 256, description: 'Longest accepted password.' }), 'TESSERA_PASSWORD_MAX_LENGTH'),
  argon2MemoryKib: setting(Type.Integer({ minimum: 19_456, default: 19_456, description: 'argon2id memory cost, KiB (OWASP minimum 19456).' }), 'TESSERA_ARGON2_MEMORY_KIB'),
  argon2Iterations: setting(Type.Integer({ minimum: 2, default: 2, description: 'argon2id time cost.' }), 'TESSERA_ARGON2_ITERATIONS'),
  argon2Parallelism: setting(Type.Integer({ minimum: 1, maximum: 16, default: 1, description: 'argon2id parallelism.' }), 'TESSERA_ARGON2_PARALLELISM'),
  bootstrapSuperuserEmail: setting(Type.Optional(Type.String({ minLength: 3, description: 'Creates this superuser at the first start only, while the database has no superuser.' })), 'TESSERA_BOOTSTRAP_SUPERUSER_EMAIL'),
  bootstrapSuperuserPassword: setting(Type.Optional(Type.String({ minLength: 1, description: 'Password of the bootstrap superuser.' })), 'TESSERA_BOOTSTRAP_SUPERUSER_PASSWORD', { secret: true }),
  oauthTokenKey: setting(
    Type.Optional(Type.String({ pattern: '^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=|[A-Za-z0-9_-]{43})$',
      description: 'AES-256-GCM key for social-login provider tokens at rest: 32 bytes, hex or base64. Unset: a random key kept in the database.' })),
    'TESSERA_OAUTH_TOKEN_KEY', { secret: true }),
  auditRetentionDays: setting(
    Type.Integer({ minimum: 1, maximum: 36_500, default: 90, description: 'Days security events are kept in the audit log before the hourly purge drops them.' }),
    'TESSERA_AUDIT_RETENTION_DAYS'),
  webhookAllowPrivate: setting(
    Type.Boolean({ default: false, description: 'Allow webhook endpoints on loopback, private and link-local addresses (refused by default, at creation and at every delivery).' }),
    'TESSERA_WEBHOOK_ALLOW_PRIVATE'),
  logLevel: setting(
    Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info', description: 'Log level.' }),
    'TESSERA_LOG_LEVEL'),
});

/** Static settings, plus the social-login providers scanned from TESSERA_OAUTH_<NAME>_* (see oauth-providers.ts). */
export type Config = Static<typeof ConfigSchema> & { oauthProviders: OAuthProviderConfig[] };
