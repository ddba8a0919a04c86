import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Container } from '../../container.js';
import { InvalidCredentials } from '../../core/errors.js';
import type { RateCounters } from '../../store/rate-counters.js';
import { normalizeLogin } from '../../core/users.js';
import { clientKey } from '../client-address.js';
import { BACKOFF, POLICIES, backoffDelay, type PolicyName } from './rate-limit-policies.js';

/** What a route declares: a policy, and optionally where its account is when the policy's default fields do not fit. */
export type LimitSpec = PolicyName | { policy: PolicyName; account?: string[] | ((req: FastifyRequest) => string | undefined) };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Rate-limit policy of the route (src/http/plugins/rate-limit-policies.ts). */
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

type Limited = FastifyRequest & { limitAccount: { key: string; isLogin: boolean } | null };

const LOGIN_FIELDS = new Set(['username', 'user', 'email']);
const digest = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

/** The account a request names, as a key that never holds the raw email or token. */
function accountKey(req: FastifyRequest, spec: Exclude<LimitSpec, string>, fields: string[]): { key: string; isLogin: boolean } | undefined {
  if (typeof spec.account === 'function') {
    const v = spec.account(req);
    return v ? { key: digest('login:' + normalizeLogin(v)), isLogin: true } : undefined;
  }
  for (const field of spec.account ?? fields) {
    for (const source of [req.body, req.query]) {
      const v = source && typeof source === 'object' ? (source as Record<string, unknown>)[field] : undefined;
      if (typeof v !== 'string' || v.length === 0 || v.length > 4096) continue;
      // A login is the same account whatever its case or Unicode form, and whichever face it came through.
      return LOGIN_FIELDS.has(field) ? { key: digest('login:' + normalizeLogin(v)), isLogin: true } : { key: digest(`${field}:${v}`), isLogin: false };
    }
  }
  return undefined;
}

/** @fastify/rate-limit store over our counters (memory, or Redis with memory fallback). */
function storeClass(counters: RateCounters) {
  return class CountersStore {
    // @fastify/rate-limit passes the window as a third argument (its typings omit it).
    incr(key: string, cb: (err: Error | null, res?: { current: number; ttl: number }) => void, timeWindow?: number) {
      counters.hit(key, timeWindow ?? 60_000).then((r) => cb(null, { current: r.count, ttl: r.resetMs }), (err: Error) => cb(err));
    }
    child() {
      return this;
    }
  };
}

function tooMany(reply: FastifyReply, ms: number): RateLimited {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  reply.header('retry-after', String(seconds));
  return new RateLimited(seconds);
}

const prepend = (existing: unknown, hook: unknown) => [hook, ...(Array.isArray(existing) ? existing : existing ? [existing] : [])];

/**
 * Rate limits for every route that declares `config.limit`, installed on the
 * root instance before the faces; nothing at all when TESSERA_RATE_LIMITS=off.
 */
export async function installRateLimits(app: FastifyInstance, container: Container): Promise<void> {
  if (!container.config.rateLimits) return;
  const counters = container.rateCounters;
  await app.register(rateLimit, { global: false, store: storeClass(counters), skipOnError: true });
  app.decorateRequest('limitAccount', null);

  const limiters = Object.fromEntries(Object.entries(POLICIES).map(([name, p]) => [name, {
    address: app.createRateLimit({ max: p.perAddress.max, timeWindow: p.perAddress.windowMs, keyGenerator: (req) => `${name}:ip:${clientKey(req.ip)}` }),
    account: p.perAccount && app.createRateLimit({
      max: p.perAccount.max, timeWindow: p.perAccount.windowMs, keyGenerator: (req) => `${name}:acct:${(req as Limited).limitAccount!.key}`,
    }),
  }])) as Record<PolicyName, { address: ReturnType<FastifyInstance['createRateLimit']>; account?: ReturnType<FastifyInstance['createRateLimit']> }>;

  const pairKey = (account: string, req: FastifyRequest) => `bo:${account}:${clientKey(req.ip)}`;

  app.addHook('onRoute', (route: RouteOptions) => {
    const raw = route.config?.limit;
    if (!raw) return;
    const spec = typeof raw === 'string' ? { policy: raw } : raw;
    const policy = POLICIES[spec.policy];
    const limiter = limiters[spec.policy];
    if (!policy || !limiter) throw new Error(`unknown rate-limit policy: ${spec.policy}`);

    // The address first, before the body is even read: malformed floods count too.
    route.onRequest = prepend(route.onRequest, async (req: FastifyRequest, reply: FastifyReply) => {
      const byAddress = await limiter.address(req);
      if (!byAddress.isAllowed && byAddress.isExceeded) throw tooMany(reply, byAddress.ttl);
    }) as RouteOptions['onRequest'];
    // The account once the body is parsed (before validation, which may refuse it in the face's words).
    route.preValidation = prepend(route.preValidation, async (req: FastifyRequest, reply: FastifyReply) => {
      const account = accountKey(req, spec, policy.accountFields);
      if (!account) return;
      (req as Limited).limitAccount = account;
      if (limiter.account) {
        const byAccount = await limiter.account(req);
        if (!byAccount.isAllowed && byAccount.isExceeded) throw tooMany(reply, byAccount.ttl);
      }
      if (policy.backoff && account.isLogin) {
        const wait = Math.max(await counters.blockedFor(pairKey(account.key, req)), await counters.blockedFor(`bo:${account.key}`));
        if (wait > 0) throw tooMany(reply, wait);
      }
    }) as RouteOptions['preValidation'];

    if (!policy.backoff) return;
    route.onError = prepend(route.onError, async (req: FastifyRequest, _reply: FastifyReply, err: Error) => {
      const account = (req as Limited).limitAccount?.key;
      if (!account || !(err instanceof InvalidCredentials)) return;
      const pair = await counters.hit(`bof:${account}:${clientKey(req.ip)}`, BACKOFF.decayMs);
      const all = await counters.hit(`bof:${account}`, BACKOFF.decayMs);
      const pairWait = backoffDelay(pair.count, BACKOFF.pair);
      const allWait = backoffDelay(all.count, BACKOFF.account);
      if (pairWait > 0) await counters.block(pairKey(account, req), pairWait);
      if (allWait > 0) await counters.block(`bo:${account}`, allWait);
    }) as RouteOptions['onError'];
    route.onResponse = prepend(route.onResponse, async (req: FastifyRequest, reply: FastifyReply) => {
      const account = (req as Limited).limitAccount?.isLogin ? (req as Limited).limitAccount!.key : undefined;
      // A correct password from this address forgives its failures; other addresses' stay counted.
      if (account && reply.statusCode < 400) await counters.clear(`bof:${account}:${clientKey(req.ip)}`, pairKey(account, req));
    }) as RouteOptions['onResponse'];
  });
}
