import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { linkBaseOf, publicUrlOf } from './config/load-config.js';
import { ConfigSchema, type Config } from './config/schema.js';
import { createAccountTokenService } from './core/account-tokens.js';
import { createAuthService } from './core/auth.js';
import { createAuditLog, type AuditSink } from './core/audit.js';
import { createAccountSessions } from './core/account-sessions.js';
import { createSessionActivity } from './core/session-activity.js';
import { defaultHashingLimits, queueHashing, type HashingLimits } from './core/hashing-queue.js';
import { createIntrospection } from './core/introspection.js';
import type { Mailer } from './core/mail-intent.js';
import { createPasswordPolicy } from './core/password-policy.js';
import { loadCommonPasswords } from './core/common-passwords.js';
import { createRevocationList } from './core/revocation-list.js';
import { createSessionService } from './core/sessions.js';
import { createTokenRevocation } from './core/token-revocation.js';
import { createUserService } from './core/users.js';
import { createRoleService } from './core/roles.js';
import { createSocialLoginService } from './core/social-login.js';
import { createPasskeyService } from './core/mfa/passkeys.js';
import { relyingParty } from './core/mfa/passkeys-relying-party.js';
import { createMfaService } from './core/mfa/mfa-service.js';
import { createSecondStep } from './core/mfa/second-step.js';
import { lazyMfaCrypto } from './core/mfa/mfa-crypto.js';
import type { PasskeyFactor } from './core/mfa/passkey-factor.js';
import { createAccessTokens } from './crypto/access-token.js';
import { createTokenProfiles } from './crypto/token-profiles.js';
import { createOpaqueTokens } from './core/opaque-tokens.js';
import { createKeyStore } from './crypto/key-store.js';
import { createPasswordHasher, type Argon2Params, type PasswordHasher } from './crypto/password-hasher.js';
import { createArgon2Threads } from './crypto/argon2-threads.js';
import { createSecretBox, lazyMasterKey } from './crypto/secret-box.js';
import { createIdentityProviders, describeProviderError } from './oauth/index.js';
import { createMailer } from './mail/create-mailer.js';
import { DatabaseOpenError, dialectOf, openDatabase } from './store/create-db.js';
import { createRepos } from './store/repos/index.js';
import { memoryCounters, redisCounters, withFallback, type RateCounters } from './store/rate-counters.js';
import { createRedisClient } from './store/redis-client.js';
import { connectRevocationChannel } from './store/redis-revocations.js';
import { connectPgRevocationChannel } from './store/pg-revocations.js';
import { databaseClockOffset } from './store/db-clock.js';
import { createMetrics } from './metrics/metrics.js';
import { createWebhooks, type WebhookTiming } from './webhooks/index.js';

export interface ContainerOptions {
  config: Config;
  logger: Logger;
  /** Tests pass cheap parameters; production always uses the validated config. */
  hashParams?: Argon2Params;
  /** Tests shrink the password-hashing queue to exercise its overload answer. */
  hashingLimits?: HashingLimits;
  /** PostgreSQL schema to use (tests isolate runs with one schema each). */
  dbSchema?: string;
  mailer?: Mailer;
  now?: () => number;
  /** Rate-limit counters to use instead of the configured ones (tests pass a small in-memory table). */
  rateCounters?: RateCounters;
  /** How often to read other instances' revocations from the database (tests lengthen it). */
  revocationPollMs?: number;
  /** Tests turn the instant announcements (Redis, PostgreSQL NOTIFY) off to see what the poll alone does. */
  announceRevocations?: boolean;
  /** Called in the transaction of every audit event (the webhook outbox; core/audit.ts). */
  auditSinks?: AuditSink[];
  /** Tests wrap the password hasher to hold a check while they change the account (login races). */
  wrapHasher?: (hasher: PasswordHasher) => PasswordHasher;
  /** Webhook timing (tests: poll interval, schedule scale, clock, timeout) and whether the dispatcher runs. */
  webhooks?: WebhookTiming;
  /** Passkeys as a second factor instead of the passkeys module (tests pass a fake). */
  passkeyFactor?: PasskeyFactor;
}

const KEY_RELOAD_MS = 60_000;
const REVOCATION_POLL_MS = 1_000;
const CLOCK_TOLERANCE_MS = 1_000;
const PURGE_EVERY_MS = 60 * 60_000;
/** Settled webhook deliveries stay inspectable (GET /webhooks/{id}/deliveries) this long. */
const WEBHOOK_HISTORY_MS = 30 * 24 * 60 * 60_000;
/** Sessions (with their refresh tokens) and purpose tokens are kept a day past expiry, then deleted. */
const PURGE_AFTER_MS = 24 * 60 * 60_000;

/** A database that cannot be opened stops the start with a message naming the setting to check. */
export function namingTheSetting(err: unknown): never {
  throw err instanceof DatabaseOpenError ? new Error(`${ConfigSchema.properties.databaseUrl.env}: ${err.message}`) : err;
}

/** The composition root: builds every service from config, with explicit dependencies. */
export async function createContainer(opts: ContainerOptions) {
  const { config, logger } = opts;
  const now = opts.now ?? Date.now;
  const publicUrl = publicUrlOf(config);
  const metrics = createMetrics();

  const db = await openDatabase({ url: config.databaseUrl, ...(opts.dbSchema ? { schema: opts.dbSchema } : {}) }).catch(namingTheSetting);
  // Nothing compares clocks across instances any more (revocations are polled by a database number),
  // but access-token expiry and session times still assume clocks that agree.
  const clockOffset = await databaseClockOffset(db, now).catch(() => undefined);
  if (clockOffset !== undefined && Math.abs(clockOffset) > CLOCK_TOLERANCE_MS) {
    logger.warn({ offsetMs: Math.round(clockOffset) }, 'the local clock differs from the database\'s by more than a second: synchronise the clocks (NTP)');
  }
  const revocationPollMs = opts.revocationPollMs ?? REVOCATION_POLL_MS;
  // A user read for a request may be as old as the news of an ended session: one propagation bound.
  // Set once the Redis channel exists (below): user writes are announced like ended sessions.
  let announceUserChange: ((id: string) => void) | undefined;
  const repos = createRepos(db, { userCacheTtlMs: revocationPollMs, onUserWrite: (id) => announceUserChange?.(id) });

  // A retired key verifies for one token lifetime, plus a margin for instances that have not reloaded yet.
  const verifyGraceMs = (config.accessTokenTtl + 2 * KEY_RELOAD_MS / 1000) * 1000;
  const keys = createKeyStore(repos.signingKeys, { alg: config.jwtAlg, ...(config.jwtSecret ? { secret: config.jwtSecret } : {}), verifyGraceMs, now });
  await keys.init();
  const keyReload = setInterval(() => keys.reload().catch((err) => logger.warn({ err }, 'signing key reload failed')), KEY_RELOAD_MS);
  keyReload.unref();

  // Webhook endpoints (admin), the outbox the audit log writes through, and the dispatcher (webhooks/).
  // The master key (TESSERA_OAUTH_TOKEN_KEY, else one kept in the database) for what is sealed or
  // keyed at rest: webhook secrets, TOTP secrets, recovery codes. Resolved once, on first use.
  const masterKey = lazyMasterKey({ configured: config.oauthTokenKey, secrets: repos.serverSecrets, now });
  const webhooks = await createWebhooks({ config, repos, metrics, logger, now, masterKey, ...(opts.webhooks ? { timing: opts.webhooks } : {}) });
  // The outbox queues a delivery in the event's own transaction; `interested` keeps a login's single
  // statement when no endpoint wants its type.
  const webhookSink: AuditSink = Object.assign((executor: Parameters<AuditSink>[0], event: Parameters<AuditSink>[1]) => webhooks.outbox.enqueue(executor, event),
    { interested: (type: string) => webhooks.outbox.wants(type) });
  const audit = createAuditLog({
    repo: repos.audit, sinks: [...(opts.auditSinks ?? []), webhookSink], now,
    onError: (err, type) => logger.warn({ err, type }, 'audit event not recorded'),
  });

  // Expired sessions (with their refresh tokens) and expired reset/verification tokens are dead
  // weight, and so are audit events past their retention; any instance may purge them.
  const purgeExpired = async (): Promise<void> => {
    const before = now() - PURGE_AFTER_MS;
    await Promise.all([
      repos.sessions.deleteExpired(before).catch((err) => logger.warn({ err }, 'session purge failed')),
      repos.purposeTokens.deleteExpired(before).catch((err) => logger.warn({ err }, 'purpose token purge failed')),
      repos.accessTokens.deleteExpired(before).catch((err) => logger.warn({ err }, 'opaque access token purge failed')),
      repos.webhooks.deleteSettled(now() - WEBHOOK_HISTORY_MS).catch((err) => logger.warn({ err }, 'webhook delivery purge failed')),
      repos.passkeyChallenges.deleteExpired(now()).catch((err) => logger.warn({ err }, 'passkey challenge purge failed')),
      repos.mfa.deleteExpiredChallenges(before).catch((err) => logger.warn({ err }, 'mfa challenge purge failed')),
      audit.purge(config.auditRetentionDays).catch((err) => logger.warn({ err }, 'audit event purge failed')),
    ]);
  };
  const purge = setInterval(() => void purgeExpired(), PURGE_EVERY_MS);
  purge.unref();

  // What each face's tokens look like (token-profiles.ts), and which faces sign with their own secret.
  const profiles = createTokenProfiles({
    audience: config.jwtAudience, usersAudience: config.usersAudience, oauth2Format: config.oauth2TokenFormat,
    secrets: { users: config.usersJwtSecret, simple: config.simpleJwtSecret, aegis: config.aegisJwtSecret },
  });
  const accessTokens = createAccessTokens(keys, { issuer: publicUrl, audience: config.jwtAudience, profiles, ttlSeconds: config.accessTokenTtl, now });
  const opaqueTokens = createOpaqueTokens({ repo: repos.accessTokens, profiles, issuer: publicUrl, ttlSeconds: config.accessTokenTtl, now });
  // Redis (optional) carries shared rate-limit counters and revocation announcements;
  // whenever it fails, counters fall back to memory and revocations to the database poll.
  let redisDown = 0;
  const redis = config.redisUrl ? await createRedisClient(config.redisUrl, (err) => {
    if (now() - redisDown > 30_000) logger.warn({ err: { message: err.message } }, 'redis unavailable: rate limits fall back to memory');
    redisDown = now();
  }) : undefined;
  // Every instance on one database shares one channel; the name never carries the URL itself.
  const channel = `tessera:revoked:${createHash('sha256').update(`${config.databaseUrl}#${opts.dbSchema ?? ''}`).digest('hex').slice(0, 16)}`;
  // Without Redis, PostgreSQL carries the announcements itself (LISTEN/NOTIFY); SQLite has only the poll.
  const channelHandlers = {
    revoked: (sid: string) => revocations.receive(sid),
    userChanged: (id: string) => repos.users.forgetCached(id),
    resync: () => { revocations.refresh().catch((err) => logger.warn({ err }, 'revocation poll failed')); },
  };
  const revocationChannel = opts.announceRevocations === false ? undefined
    : redis ? connectRevocationChannel(redis, channel, channelHandlers)
    : dialectOf(db) === 'postgres' ? await connectPgRevocationChannel({
      url: config.databaseUrl, db, channel, onError: (err) => logger.warn({ err }, 'revocation listener connection failed; reconnecting'),
    }, channelHandlers) : undefined;
  announceUserChange = revocationChannel?.publishUserChange;
  const revocations = createRevocationList(repos.sessions, {
    windowMs: (config.accessTokenTtl + 60) * 1000, pollMs: revocationPollMs, now,
    onError: (err) => logger.warn({ err }, 'revocation poll failed'),
    onRevoked: () => metrics.sessionsRevoked.inc(),
    ...(revocationChannel ? { broadcast: revocationChannel.publish } : {}),
  });
  await revocations.start();

  // Bounded: at most one hash per core, a short queue, then Overloaded (503) rather than unbounded memory.
  const limits = opts.hashingLimits ?? defaultHashingLimits();
  const queued = queueHashing(createPasswordHasher(opts.hashParams ?? {
    memoryCost: config.argon2MemoryKib, timeCost: config.argon2Iterations, parallelism: config.argon2Parallelism,
  }, createArgon2Threads(limits.concurrency)), { ...limits, admit: 2 * limits.concurrency });
  const hasher = opts.wrapHasher?.(queued) ?? queued;
  metrics.observeHashQueue(queued);
  const policy = createPasswordPolicy({
    minLength: config.passwordMinLength, maxLength: config.passwordMaxLength, commonPasswords: await loadCommonPasswords(config.passwordMinLength),
  });
  const mailer = opts.mailer ?? createMailer({
    ...(config.smtpUrl ? { smtpUrl: config.smtpUrl } : {}), ...(config.mailOutbox ? { outboxDir: config.mailOutbox } : {}),
    from: config.mailFrom, productName: config.productName, logger: { warn: (msg) => logger.warn(msg) }, off: !config.mail,
  });

  // last_used_at: one Map lookup per token check, a write at most once a minute per session, never awaited.
  const activity = createSessionActivity({
    write: (sid, at) => repos.sessions.touch(sid, at), now, onError: (err) => logger.warn({ err }, 'session last use not recorded'),
  });
  const scopePolicy = { adminNeedsSecondFactor: config.mfaRequired === 'admins' };
  const sessions = createSessionService({ repos, accessTokens, opaqueTokens, revocations, refreshTtlSeconds: config.refreshTokenTtl, audit, activity, scopePolicy, now });
  // WebAuthn passkeys; the relying party is the public URL's host unless TESSERA_WEBAUTHN_RP_ID names a parent domain.
  // A passkey added or removed moves the user's second-factor flag (mfa, below: bound late, they need each other).
  const passkeys = createPasskeyService({
    repos, sessions, requireVerified: config.requireVerified, audit, now,
    rp: relyingParty(publicUrl, config.corsOrigins, config.webauthnRpId),
    onFactorsChanged: async (userId, tx) => { await mfa.syncSecondFactor(userId, tx); },
  });
  // TOTP secrets are sealed and recovery codes keyed under the master key: always a durable key, never a throwaway one.
  const crypto = lazyMfaCrypto(masterKey);
  const mfaDeps = { repos, crypto, now, passkeys: opts.passkeyFactor ?? passkeys, audit };
  // Authenticator apps show the issuer beside the account: the product's name unless set apart.
  const mfa = createMfaService({ ...mfaDeps, issuer: config.mfaIssuer ?? Array.from(config.productName).slice(0, 64).join('') });
  const mfaLogin = createSecondStep({ ...mfaDeps, sessions });
  const auth = createAuthService({ repos, hasher, sessions, requireVerified: config.requireVerified, audit, secondStep: mfaLogin });
  const introspection = createIntrospection({ repos, sessions, issuer: publicUrl, audience: config.jwtAudience, requireVerified: config.requireVerified, scopePolicy, now });
  const tokenRevocation = createTokenRevocation({ sessions });
  const users = createUserService({ repos, hasher, policy, sessions, audit, now });
  const accountSessions = createAccountSessions({ repos, sessions, audit, now });
  const roles = createRoleService({ repos });
  const accountTokens = createAccountTokenService({
    // Mailed links go to TESSERA_LINK_BASE_URL (an application's front end) or else the hosted pages.
    repos, hasher, policy, sessions, mailer, publicUrl: linkBaseOf(config), audit,
    verifyTtlSeconds: config.verifyTokenTtl, resetTtlSeconds: config.resetTokenTtl, now,
    onMailError: (err) => logger.error({ err }, 'mail delivery failed'),
  });
  // Social login (TESSERA_OAUTH_<NAME>_*): provider tokens are sealed at rest under the OAuth master key.
  // The same master key as above (resolved once); without providers nothing is ever sealed, so a throwaway key.
  const withProviders = config.oauthProviders.length > 0;
  const oauthKey = withProviders || config.oauthTokenKey ? await masterKey() : randomBytes(32);
  if (withProviders && !config.oauthTokenKey) logger.warn('TESSERA_OAUTH_TOKEN_KEY is not set: provider tokens are encrypted with a key kept in the database');
  const socialLogin = createSocialLoginService({
    repos, users, sessions, requireVerified: config.requireVerified, audit, secondStep: mfaLogin, now,
    providers: await createIdentityProviders(config.oauthProviders, (provider, err) => logger.warn({ provider, failure: describeProviderError(err) }, 'social login provider call failed'), now),
    tokenBox: createSecretBox(oauthKey, 'oauth-tokens'), flowBox: createSecretBox(oauthKey, 'oauth-flow'),
  });

  // Rate-limit counters: shared through Redis when configured, and in memory whenever Redis fails.
  const rateCounters = opts.rateCounters ?? (redis ? withFallback(redisCounters(redis), memoryCounters(now), () => { redisDown = now(); }, now) : memoryCounters(now));

  return {
    config, logger, publicUrl, db, repos, keys, accessTokens, revocations, hasher, policy, mailer, redis, rateCounters,
    /** Where this instance's revocations are announced (Redis channel, or PostgreSQL NOTIFY channel). */
    revocationChannelName: channel,
    sessions, auth, users, roles, accountTokens, introspection, tokenRevocation, socialLogin, passkeys, metrics,
    /** The audit log (core/audit.ts): prepare() for events written with their change, record() for the others, list() and purge(). */
    audit, accountSessions, activity,
    /** The hourly purge, run now (tests). */
    purgeExpired,
    /** Endpoint management (admin API), the audit log's sink (`webhookOutbox.enqueue`), and the sender. */
    webhooks: webhooks.service, webhookOutbox: webhooks.outbox, webhookDispatcher: webhooks.dispatcher,
    /** Second factors: enrolment (mfa), the login's second step (mfaLogin), and the admin rule on scopes. */
    mfa, mfaLogin, scopePolicy,

    async close(): Promise<void> {
      clearInterval(keyReload);
      clearInterval(purge);
      await webhooks.stop();
      await revocations.stop();
      await accountTokens.drain();
      await hasher.close();
      await mailer.close();
      await revocationChannel?.close();
      redis?.disconnect();
      await db.destroy();
    },
  };
}

export type Container = Awaited<ReturnType<typeof createContainer>>;
