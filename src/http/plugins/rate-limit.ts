import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import type { Container } from '../../container.js';
import { InvalidCredentials, WrongPassword } from '../../core/errors.js';
import { chargeHashingTo, type HashingOwner } from '../../core/hashing-queue.js';
import { normalizeLogin } from '../../core/users.js';
import { clientKey } from '../client-address.js';
import type { AccountOf, AccountRef } from './rate-limit-accounts.js';
import { BACKOFF, POLICIES, backoffDelay, type PolicyName } from './rate-limit-policies.js';
import { rateLimitEvents } from './rate-limit-events.js';

/**
 * What a route declares, in one line of its config: a policy, and the account
 * the route acts on (required by policies with per-account limits or back-off):
 * `config: { limit: { policy: 'login', account: bodyLogin('username') } }`.
 */
export type LimitSpec = PolicyName | { policy: PolicyName; account?: AccountOf };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Rate-limit policy of the route (src/http/plugins/rate-limit-policies.ts) and its account. */
    limit?: LimitSpec;
  }
}

/**
 * Too many requests. Carries statusCode 429 so every face's error mapper
 * renders it through classifyTransportError in its own format; the
 * Retry-After header is already on the reply when it is thrown.
 */
export class RateLimited extends Error {
  readonly statusCode = 429;
  constructor(readonly retryAfterSeconds: number) {
    super('Too Many Requests');
    this.name = 'RateLimited';
  }
}

/** A resolved account: its key, and whether it is a person (back-off applies) rather than a token. */
interface Account { key: string; person: boolean }
type Limited = FastifyRequest & { limitState: { owner: HashingOwner; account?: Account } | null };

const digest = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);
const FAILED_CHECKS = [InvalidCredentials, WrongPassword];

function tooMany(reply: FastifyReply, ms: number): RateLimited {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  reply.header('retry-after', String(seconds));
  return new RateLimited(seconds);
}

const hooks = (existing: unknown) => (Array.isArray(existing) ? existing : existing ? [existing] : []);
const prepend = (existing: unknown, ...added: unknown[]) => [...added, ...hooks(existing)];
const append = (existing: unknown, ...added: unknown[]) => [...hooks(existing), ...added];

/**
 * Rate limits, login back-off and fair shares of the password-hashing queue
 * for every route that declares `config.limit`, installed on the root
 * instance before the faces. With TESSERA_RATE_LIMITS=off the declarations
 * are still checked, and nothing else is installed.
 */
export async function installRateLimits(app: FastifyInstance, container: Container): Promise<void> {
  const on = container.config.rateLimits;
  const counters = container.rateCounters;
  if (on) app.decorateRequest('limitState', null);
  const limited = rateLimitEvents(container.audit);

  /**
   * The key of an account: tokens by their hash, never raw; logins in any case or Unicode form as
   * one. Where failed passwords count (`resolve`), a login is keyed by the user it names, so its
   * email, its username and the routes of a signed-in user share one back-off.
   */
  async function accountKey(ref: AccountRef, resolve: boolean): Promise<Account> {
    if ('token' in ref) return { key: `t:${digest(ref.token)}`, person: false };
    if ('userId' in ref) return { key: `u:${ref.userId}`, person: true };
    if ('mfaToken' in ref) {
      // Keyed by the user the token belongs to (one read): new tokens for the same user share the limit.
      const userId = await container.mfaLogin.userOf(ref.mfaToken);
      return userId ? { key: `u:${userId}`, person: true } : { key: `t:${digest(ref.mfaToken)}`, person: false };
    }
    if (!resolve) return { key: `l:${digest(normalizeLogin(ref.login))}`, person: true };
    // Known or not, one lookup: the same cost either way, and unknown logins are keyed like known ones.
    const user = await container.users.findByLogin(ref.login);
    return { key: user ? `u:${user.id}` : `l:${digest(normalizeLogin(ref.login))}`, person: true };
  }

  const pairKey = (account: string, req: FastifyRequest) => `${account}:${clientKey(req.ip)}`;

  app.addHook('onRoute', (route: RouteOptions) => {
    const raw = route.config?.limit;
    if (!raw) return;
    const spec = typeof raw === 'string' ? { policy: raw } : raw;
    const name = spec.policy;
    const policy = POLICIES[name];
    if (!policy) throw new Error(`${route.method} ${route.url}: unknown rate-limit policy '${name}'`);
    if ((policy.perAccount || policy.backoff) && !spec.account) {
      throw new Error(`${route.method} ${route.url}: rate-limit policy '${name}' needs the account the route acts on, `
        + `e.g. config: { limit: { policy: '${name}', account: bodyLogin('username') } } (src/http/plugins/rate-limit-accounts.ts)`);
    }
    if (!on) return;
    const accountOf = spec.account;

    // First of all: everything this request hashes is charged to its address (and, once known, its account).
    const charge = (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const owner: HashingOwner = { keys: [`a:${clientKey(req.ip)}`] };
      (req as Limited).limitState = { owner };
      chargeHashingTo(owner, done);
    };
    // The address before the body is even read: malformed floods count too.
    const byAddress = async (req: FastifyRequest, reply: FastifyReply) => {
      const r = await counters.hit(`${name}:ip:${clientKey(req.ip)}`, policy.perAddress.windowMs, 'address');
      if (r.count > policy.perAddress.max) {
        limited(req, name, 'address');
        throw tooMany(reply, r.resetMs);
      }
    };
    route.onRequest = prepend(route.onRequest, charge, byAddress) as RouteOptions['onRequest'];

    if (!accountOf) return;
    // The account once the body is parsed and the route's guards have run, before validation.
    const byAccount = async (req: FastifyRequest, reply: FastifyReply) => {
      let ref: AccountRef | undefined;
      try {
        ref = accountOf(req);
      } catch {
        return; // an argument the handler will refuse in the face's own words
      }
      if (!ref) return;
      const account = await accountKey(ref, policy.backoff !== undefined);
      const state = (req as Limited).limitState!;
      state.account = account;
      state.owner.keys.push(account.key);
      if (policy.perAccount) {
        const r = await counters.hit(`${name}:acct:${account.key}`, policy.perAccount.windowMs, 'account');
        if (r.count > policy.perAccount.max) {
          limited(req, name, 'account', account.key);
          throw tooMany(reply, r.resetMs);
        }
      }
      if (policy.backoff && account.person) {
        const wait = Math.max(await counters.blockedFor(`bo:${pairKey(account.key, req)}`), await counters.blockedFor(`bo:${account.key}`));
        if (wait > 0) {
          limited(req, name, 'backoff', account.key);
          throw tooMany(reply, wait);
        }
      }
    };
    route.preValidation = append(route.preValidation, byAccount) as RouteOptions['preValidation'];

    if (policy.perAccount && policy.perAccountCounts === 'failures') {
      // Counted on arrival like any request (so a burst is bounded), then forgiven once it succeeded.
      // Pages answer a refusal with a page rather than an error, so the answer's status decides.
      route.onResponse = prepend(route.onResponse, async (req: FastifyRequest, reply: FastifyReply) => {
        const account = (req as Limited).limitState?.account;
        if (account && reply.statusCode < 400) await counters.unhit(`${name}:acct:${account.key}`);
      }) as RouteOptions['onResponse'];
    }

    if (!policy.backoff) return;
    // A wrong password, here or at any login, slows the same account down.
    route.onError = prepend(route.onError, async (req: FastifyRequest, _reply: FastifyReply, err: Error) => {
      const account = (req as Limited).limitState?.account;
      if (!account?.person || !FAILED_CHECKS.some((c) => err instanceof c)) return;
      const pair = await counters.hit(`bof:${pairKey(account.key, req)}`, BACKOFF.decayMs, 'backoff');
      const all = await counters.hit(`bof:${account.key}`, BACKOFF.decayMs, 'backoff');
      const pairWait = backoffDelay(pair.count, BACKOFF.pair);
      const allWait = backoffDelay(all.count, BACKOFF.account);
      if (pairWait > 0) await counters.block(`bo:${pairKey(account.key, req)}`, pairWait);
      if (allWait > 0) await counters.block(`bo:${account.key}`, allWait);
    }) as RouteOptions['onError'];
    if (policy.backoff !== 'login') return;
    route.onResponse = prepend(route.onResponse, async (req: FastifyRequest, reply: FastifyReply) => {
      const account = (req as Limited).limitState?.account;
      // A correct password from this address forgives its failures; other addresses' stay counted.
      if (account?.person && reply.statusCode < 400) await counters.clear(`bof:${pairKey(account.key, req)}`, `bo:${pairKey(account.key, req)}`);
    }) as RouteOptions['onResponse'];
  });
}
