import { randomUUID } from 'node:crypto';
import { randomToken, safeEqual } from '../crypto/random-token.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Repos, UserRecord } from '../store/repos/index.js';
import { normalizeLogin } from '../store/repos/index.js';
import type { AuditLog, ClientContext } from './audit.js';
import { safeErrorCode, type IdentityProvider, type ProviderIdentity } from './identity-provider.js';
import {
  InvalidCredentials, OAuthEmailUnavailable, OAuthInvalidState, OAuthProviderError, OAuthUserAlreadyExists,
  LastSignInMethod, MfaRequired, SocialIdentityNotFound, UnknownOAuthProvider, UserAlreadyExists, UserNotFound, UserNotVerified,
  type MfaChallenge,
} from './errors.js';
import type { SessionService, TokenSet } from './sessions.js';
import type { UserService } from './users.js';
import { unitOfWork } from './unit-of-work.js';

/** How long a browser has to come back from the provider. */
export const FLOW_TTL_SECONDS = 600;

type Mode = 'login' | 'associate';

/** What the browser carries (sealed) between authorize and callback. */
interface Flow {
  p: string; // provider
  m: Mode;
  b: string; // login backend chosen by the client, opaque to core
  u: string | null; // the user linking an identity (associate)
  s: string; // state
  cv: string; // PKCE verifier
  n: string; // nonce
  r: string; // redirect URI
  e: number; // expiry, epoch ms
}

export interface SocialLoginDeps {
  repos: Pick<Repos, 'users' | 'oauthAccounts' | 'passkeys' | 'transaction'>;
  users: UserService;
  sessions: SessionService;
  providers: ReadonlyMap<string, IdentityProvider>;
  /** Seals provider tokens at rest. */
  tokenBox: SecretBox;
  /** Seals the flow the browser carries in a cookie. */
  flowBox: SecretBox;
  requireVerified: boolean;
  /** Each change's events are written in its transaction (core/unit-of-work.ts). */
  audit: Pick<AuditLog, 'prepare'>;
  /** The second step of a login (core/mfa/second-step.ts): a provider does not stand in for the user's second factor. */
  secondStep?: { challenge(user: UserRecord, opts: { backend: string }, ctx?: ClientContext): Promise<MfaChallenge> };
  now?: () => number;
}

export interface AuthorizeInput { mode: Mode; backend: string; scopes?: string[]; redirectUri: string; userId?: string }
export interface CallbackInput { flow: string | undefined; query: URLSearchParams }
/** A linked identity as a person sees it (no tokens). */
export interface SocialIdentity { id: string; provider: string; accountEmail: string | null; createdAt: number }

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const usableEmail = (e: string | null): string | null => (e && e.length <= 320 && EMAIL.test(e) ? e : null);

/**
 * Social login and account linking (FastAPI Users' OAuth routers). The
 * flow's state, PKCE verifier and nonce travel sealed in an HttpOnly cookie,
 * so a callback is accepted only in the browser that started it.
 */
export function createSocialLoginService(deps: SocialLoginDeps) {
  const { repos, users, sessions, providers, tokenBox, flowBox } = deps;
  const now = deps.now ?? Date.now;
  const transact = unitOfWork(repos, deps.audit);

  function provider(name: string): IdentityProvider {
    const p = providers.get(name);
    if (!p) throw new UnknownOAuthProvider();
    return p;
  }

  function openFlow(sealed: string | undefined, name: string, mode: Mode, userId: string | null): Flow {
    const text = sealed ? flowBox.open(sealed) : undefined;
    const flow = text === undefined ? undefined : (JSON.parse(text) as Flow);
    if (!flow || flow.p !== name || flow.m !== mode || flow.u !== userId || flow.e <= now()) throw new OAuthInvalidState();
    return flow;
  }

  /** Checks the callback against the browser's flow, then trades the code for the provider's identity. */
  async function complete(name: string, mode: Mode, input: CallbackInput, userId: string | null) {
    const p = provider(name);
    const flow = openFlow(input.flow, name, mode, userId);
    const state = input.query.get('state');
    if (!state || !safeEqual(state, flow.s)) throw new OAuthInvalidState();
    const error = input.query.get('error');
    if (error !== null) throw new OAuthProviderError(safeErrorCode(error));
    if (!input.query.get('code')) throw new OAuthProviderError('invalid_request');
    const callbackUrl = new URL(flow.r);
    callbackUrl.search = input.query.toString();
    return { flow, identity: await p.exchange({ callbackUrl, state: flow.s, codeVerifier: flow.cv, nonce: flow.n }) };
  }

  const sealedTokens = (id: ProviderIdentity) => ({
    accountEmail: id.email, accessTokenEnc: tokenBox.seal(id.tokens.accessToken),
    refreshTokenEnc: id.tokens.refreshToken === null ? null : tokenBox.seal(id.tokens.refreshToken),
    expiresAt: id.tokens.expiresAt, updatedAt: now(),
  });

  /**
   * Links the identity to `user`; when a concurrent callback linked it first, that link's user wins.
   * The link records whether the account's email was proven at this moment (the account verified, or
   * the provider vouching for that very address): a link made without that proof is dropped as soon
   * as someone proves control of the email by mail (account-tokens.ts), so whoever pre-registered a
   * victim's address through a provider keeps no way in once the victim recovers the account.
   */
  async function link(user: UserRecord, name: string, id: ProviderIdentity, undoCreate: boolean, client?: ClientContext): Promise<UserRecord> {
    const at = now();
    const emailVerified = user.isVerified
      || (id.emailVerified && id.email !== null && user.email !== null && normalizeLogin(id.email) === normalizeLogin(user.email));
    const linked = await transact(async (work) => {
      if (!(await work.repos.oauthAccounts.insert({ id: randomUUID(), userId: user.id, provider: name, accountId: id.accountId, createdAt: at, emailVerified, ...sealedTokens(id) }))) return false;
      await work.record({ type: 'social.linked', userId: user.id, detail: { provider: name, email_verified: emailVerified } }, client);
      return true;
    });
    if (linked) return user;
    if (undoCreate) await repos.users.delete(user.id);
    const winner = await repos.oauthAccounts.findByIdentity(name, id.accountId);
    if (!winner || (!undoCreate && winner.userId !== user.id)) throw new OAuthUserAlreadyExists();
    return users.get(winner.userId);
  }

  /** The linking rules: linked identity → its user; same verified email on both sides → link; no user → create. */
  async function userFor(name: string, id: ProviderIdentity, client?: ClientContext): Promise<UserRecord> {
    const linked = await repos.oauthAccounts.findByIdentity(name, id.accountId);
    if (linked) {
      await repos.oauthAccounts.updateTokens(linked.id, sealedTokens(id));
      return users.get(linked.userId);
    }
    const email = usableEmail(id.email);
    if (!email) throw new OAuthEmailUnavailable();
    const existing = await repos.users.findByEmail(email);
    if (existing) {
      // Either side unverified would let whoever controls the other account take this one over.
      if (!(id.emailVerified && existing.isVerified)) throw new OAuthUserAlreadyExists();
      return link(existing, name, id, false, client);
    }
    const created = await users.create({ email, password: null, isVerified: id.emailVerified }, { ...(client ? { client } : {}), detail: { provider: name } }).catch((err: unknown) => {
      throw err instanceof UserAlreadyExists ? new OAuthUserAlreadyExists() : err;
    });
    return link(created, name, id, true, client);
  }

  return {
    providers: (): string[] => [...providers.keys()],

    /** Starts a flow: the provider's authorization URL, and the sealed flow for the browser's cookie. */
    async authorize(name: string, input: AuthorizeInput): Promise<{ authorizationUrl: string; flow: string; maxAgeSeconds: number }> {
      const p = provider(name);
      const flow: Flow = {
        p: name, m: input.mode, b: input.backend, u: input.userId ?? null, s: randomToken(), cv: randomToken(), n: randomToken(),
        r: input.redirectUri, e: now() + FLOW_TTL_SECONDS * 1000,
      };
      const scopes = input.scopes && input.scopes.length > 0 ? input.scopes : [...p.defaultScopes];
      const authorizationUrl = await p.authorizationUrl({ redirectUri: flow.r, scopes, state: flow.s, codeVerifier: flow.cv, nonce: flow.n });
      return { authorizationUrl, flow: flowBox.seal(JSON.stringify(flow)), maxAgeSeconds: FLOW_TTL_SECONDS };
    },

    /** Finishes a login flow: finds, links or creates the user and opens a session. */
    async login(name: string, input: CallbackInput, client?: ClientContext): Promise<{ backend: string; user: UserRecord; tokens: TokenSet }> {
      const { flow, identity } = await complete(name, 'login', input, null);
      const user = await userFor(name, identity, client);
      if (!user.isActive) throw new InvalidCredentials();
      if (deps.requireVerified && !user.isVerified) throw new UserNotVerified();
      // A user with a second factor still owes it: the provider vouches only for the first.
      if (user.mfaEnabled) throw new MfaRequired(deps.secondStep ? await deps.secondStep.challenge(user, { backend: flow.b }, client) : undefined);
      return { backend: flow.b, user, tokens: await sessions.startSession(user, { profile: 'users', method: `social:${name}`, ...(client ? { client } : {}) }) };
    },

    /** Finishes an associate flow: links the identity to `userId`, who started the flow; `backend` is the one it started with. */
    async associate(name: string, userId: string, input: CallbackInput, client?: ClientContext): Promise<{ user: UserRecord; backend: string }> {
      const { flow, identity } = await complete(name, 'associate', input, userId);
      const linked = await repos.oauthAccounts.findByIdentity(name, identity.accountId);
      if (linked && linked.userId !== userId) throw new OAuthUserAlreadyExists();
      if (linked) await repos.oauthAccounts.updateTokens(linked.id, sealedTokens(identity));
      else await link(await users.get(userId), name, identity, false, client);
      return { user: await users.get(userId), backend: flow.b };
    },

    /** The user's linked identities, oldest first. */
    async identities(userId: string): Promise<SocialIdentity[]> {
      return (await repos.oauthAccounts.listForUser(userId)).map((a) => ({ id: a.id, provider: a.provider, accountEmail: a.accountEmail, createdAt: a.createdAt }));
    },

    /**
     * Unlinks one of the user's identities (recorded as social.unlinked). Refused when it is the
     * account's last way in: no password, no passkey, no other identity.
     */
    async unlink(userId: string, id: string, client?: ClientContext): Promise<void> {
      const [user, linked, passkeys] = await Promise.all([repos.users.findById(userId), repos.oauthAccounts.listForUser(userId), repos.passkeys.countForUser(userId)]);
      if (!user) throw new UserNotFound();
      const target = linked.find((a) => a.id === id);
      if (!target) throw new SocialIdentityNotFound();
      if (user.passwordHash === null && passkeys === 0 && linked.length === 1) throw new LastSignInMethod();
      await transact(async (work) => {
        if (!(await work.repos.oauthAccounts.deleteForUser(userId, id))) throw new SocialIdentityNotFound();
        await work.record({ type: 'social.unlinked', userId, detail: { provider: target.provider, count: 1, reason: 'user' } }, client);
      });
    },
  };
}

export type SocialLoginService = ReturnType<typeof createSocialLoginService>;
