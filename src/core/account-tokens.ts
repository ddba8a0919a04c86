import type { PasswordHasher } from '../crypto/password-hasher.js';
import { hashToken, randomToken } from '../crypto/random-token.js';
import type { Repos, UserRecord } from '../store/repos/index.js';
import { normalizeLogin } from '../store/repos/index.js';
import type { AuditLog, ClientContext } from './audit.js';
import { AlreadyVerified, BadResetToken, BadVerifyToken } from './errors.js';
import type { Mailer, MailKind } from './mail-intent.js';
import type { PasswordPolicy } from './password-policy.js';
import type { SessionService } from './sessions.js';
import { unitOfWork, type Work } from './unit-of-work.js';

export interface AccountTokenDeps {
  repos: Pick<Repos, 'users' | 'purposeTokens' | 'oauthAccounts' | 'transaction'>;
  hasher: PasswordHasher;
  policy: PasswordPolicy;
  sessions: SessionService;
  mailer: Mailer;
  publicUrl: string;
  verifyTtlSeconds: number;
  resetTtlSeconds: number;
  /** Delivery failures are reported here; the request that caused them never waits for or sees them. */
  onMailError?: (err: unknown) => void;
  /** Each change's events are written in its transaction (core/unit-of-work.ts). */
  audit: Pick<AuditLog, 'prepare'>;
  now?: () => number;
}

const REQUESTED = { verify: 'email.verification_requested', reset: 'password.reset_requested' } as const;

/**
 * Email verification and password reset: single-use random tokens, stored
 * hashed, mailed to the user. Requests never reveal whether an account exists.
 */
export function createAccountTokenService(deps: AccountTokenDeps) {
  const { repos, mailer } = deps;
  const now = deps.now ?? Date.now;
  const transact = unitOfWork(repos, deps.audit);
  const pending = new Set<Promise<void>>();

  async function issue(user: UserRecord & { email: string }, kind: MailKind, client?: ClientContext): Promise<void> {
    const token = randomToken();
    const ttl = kind === 'verify' ? deps.verifyTtlSeconds : deps.resetTtlSeconds;
    const at = now();
    // Written here, after the answer went: an unknown address costs the request the same (no event, no write).
    // The mail goes once the token and its event committed.
    await transact(async (work) => {
      await work.repos.purposeTokens.insert({
        tokenHash: hashToken(token), userId: user.id, kind,
        // Both kinds are bound to the address they are mailed to: an email change kills them.
        bound: normalizeLogin(user.email), createdAt: at, expiresAt: at + ttl * 1000,
      });
      await work.record({ type: REQUESTED[kind], userId: user.id }, client);
    });
    const path = kind === 'verify' ? '/verify' : '/reset-password';
    await mailer.send({ kind, to: user.email, token, link: `${deps.publicUrl}${path}?token=${encodeURIComponent(token)}` });
  }

  /** Provider links dropped because control of the email was just proven by mail (see social-login.ts). */
  async function dropUnprovenLinks(work: Work, userId: string, client?: ClientContext): Promise<number> {
    const dropped = await work.repos.oauthAccounts.deleteUnverifiedForUser(userId);
    if (dropped > 0) await work.record({ type: 'social.unlinked', userId, detail: { count: dropped, reason: 'email_proven' } }, client);
    return dropped;
  }

  /**
   * Issues and mails a token after the response has gone (setImmediate): the
   * answer costs the same one lookup whether or not the account exists, and a
   * mail or database failure here never fails the request.
   */
  function issueLater(user: UserRecord & { email: string }, kind: MailKind, client?: ClientContext): void {
    const job: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => issue(user, kind, client))
      .catch((err) => deps.onMailError?.(err))
      .finally(() => pending.delete(job));
    pending.add(job);
  }

  const withEmail = (u: UserRecord | undefined): u is UserRecord & { email: string } => !!u && u.email !== null && u.isActive;

  /** Mails a verify token when the user has an email, is active and is not verified; silent otherwise. */
  function sendVerification(user: UserRecord | undefined, client?: ClientContext): void {
    if (withEmail(user) && !user.isVerified) issueLater(user, 'verify', client);
  }

  return {
    /** Waits for tokens still being issued and mailed (shutdown, tests). */
    async drain(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },

    /** Mails a verify token when the user exists, is active and is not verified; silent otherwise. */
    async requestVerify(email: string, client?: ClientContext): Promise<void> {
      sendVerification(await repos.users.findByEmail(email), client);
    },

    /** requestVerify for a caller already holding the user (a page just registered or signed in): no second read. */
    sendVerification,

    async verify(token: string, client?: ClientContext): Promise<UserRecord> {
      // A refusal is returned, not thrown, from the transaction: the token stays spent all the same.
      const outcome = await transact(async (work): Promise<UserRecord | Error> => {
        const t = await work.repos.purposeTokens.consume(hashToken(token), 'verify', now());
        const user = t && (await work.repos.users.findById(t.userId));
        // A token dies when the email it was sent to is no longer the user's.
        if (!t || !user || !user.isActive || user.email === null || normalizeLogin(user.email) !== t.bound) return new BadVerifyToken();
        if (user.isVerified) return new AlreadyVerified();
        // Whoever linked a provider identity before the email was proven may not be its owner: those
        // links go, and so do the sessions they may have opened (the owner signs in again).
        if ((await dropUnprovenLinks(work, user.id, client)) > 0) await deps.sessions.endUserSessionsIn(work, user.id);
        const updated = await work.repos.users.update(user.id, { isVerified: true, updatedAt: now() });
        if (!updated) return new BadVerifyToken();
        await work.record({ type: 'email.verified', userId: user.id, detail: { email: updated.email } }, client);
        return updated;
      });
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },

    /** Mails a reset token when the user exists and is active; silent otherwise. */
    async forgotPassword(email: string, client?: ClientContext): Promise<void> {
      const user = await repos.users.findByEmail(email);
      if (withEmail(user)) issueLater(user, 'reset', client);
    },

    /** Sets a new password from a reset token; every session of the user ends. */
    async resetPassword(token: string, password: string, client?: ClientContext): Promise<UserRecord> {
      const hash = hashToken(token);
      const live = await repos.purposeTokens.findLive(hash, 'reset', now());
      const user = live && (await repos.users.findById(live.userId));
      // A token mailed to an address the account no longer has is dead (also deleted on the change itself).
      if (!user || !user.isActive || user.email === null || normalizeLogin(user.email) !== live.bound) throw new BadResetToken();
      // Policy first: a rejected password leaves the token usable for another try.
      const passwordHash = await deps.hasher.hash(deps.policy.check(password, user));
      return transact(async (work) => {
        if (!(await work.repos.purposeTokens.consume(hash, 'reset', now()))) throw new BadResetToken();
        // Control of the email is proven: provider links made before it was are dropped (see social-login.ts).
        await dropUnprovenLinks(work, user.id, client);
        const updated = await work.repos.users.update(user.id, { passwordHash, updatedAt: now() });
        await work.repos.purposeTokens.deleteForUser(user.id, 'reset');
        const ended = await deps.sessions.endUserSessionsIn(work, user.id);
        await work.record({ type: 'password.reset', userId: user.id, detail: { sessions_ended: ended } }, client);
        return updated ?? user;
      });
    },
  };
}

export type AccountTokenService = ReturnType<typeof createAccountTokenService>;
