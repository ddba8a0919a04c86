import type { Redis } from 'ioredis';

/**
 * What a counter protects, which decides what a full in-memory table gives
 * up first: per-address counters are cheap for an attacker to mint (one per
 * address), so they go before per-account counters, and those before the
 * back-off state (failure counts and waits) that protects accounts.
 */
export type Tier = 'address' | 'account' | 'backoff';
const EVICTION_ORDER: Tier[] = ['address', 'account', 'backoff'];

/**
 * Counters with expiry, for rate limits and login back-off. In memory by
 * default; in Redis when configured, so every instance sees the same counts.
 */
export interface RateCounters {
  /** Adds one hit to a fixed window that starts with its first hit. */
  hit(key: string, windowMs: number, tier: Tier): Promise<{ count: number; resetMs: number }>;
  /** Takes one hit back from a live window (never below zero, never starting one): a request forgiven once answered. */
  unhit(key: string): Promise<void>;
  /** Blocks `key` for `ms` (an existing longer block is kept); back-off state. */
  block(key: string, ms: number): Promise<void>;
  /** Milliseconds left on a block; 0 when there is none. */
  blockedFor(key: string): Promise<number>;
  clear(...keys: string[]): Promise<void>;
}

const MAX_MEMORY_KEYS = 100_000;

type Entry = { n: number; until: number };

/**
 * One process's counters. Bounded: expired keys are swept, and past the
 * bound the oldest go first, per-address counters before anything else, so
 * requests from many addresses cannot flush an account's back-off.
 */
export function memoryCounters(now: () => number = Date.now, capacity = MAX_MEMORY_KEYS): RateCounters {
  const tiers = new Map<Tier, Map<string, Entry>>(EVICTION_ORDER.map((t) => [t, new Map()]));
  let ops = 0;

  const size = () => EVICTION_ORDER.reduce((n, t) => n + tiers.get(t)!.size, 0);
  const find = (key: string) => EVICTION_ORDER.map((t) => tiers.get(t)!).find((m) => m.has(key));
  function live(key: string) {
    const map = find(key);
    const e = map?.get(key);
    if (map && e && e.until <= now()) {
      map.delete(key);
      return undefined;
    }
    return e;
  }
  function put(key: string, e: Entry, tier: Tier) {
    if (++ops % 1000 === 0 || size() >= capacity) {
      const t = now();
      for (const m of tiers.values()) for (const [k, v] of m) if (v.until <= t) m.delete(k);
      // Down to a little below the bound, so a full table is not swept again at the very next write.
      const target = capacity - Math.max(1, Math.floor(capacity / 100));
      for (const m of EVICTION_ORDER.map((x) => tiers.get(x)!)) {
        while (size() > target && m.size > 0) m.delete(m.keys().next().value as string);
      }
    }
    const home = tiers.get(tier)!;
    if (!home.has(key)) find(key)?.delete(key);
    home.set(key, e);
  }

  return {
    async hit(key, windowMs, tier) {
      const e = live(key) ?? { n: 0, until: now() + windowMs };
      e.n += 1;
      put(key, e, tier);
      return { count: e.n, resetMs: e.until - now() };
    },
    async unhit(key) {
      const e = live(key);
      if (e && e.n > 0) e.n -= 1;
    },
    async block(key, ms) {
      const e = live(key);
      if (!e || e.until < now() + ms) put(key, { n: 1, until: now() + ms }, 'backoff');
    },
    async blockedFor(key) {
      const e = live(key);
      return e ? e.until - now() : 0;
    },
    async clear(...keys) {
      for (const k of keys) find(k)?.delete(k);
    },
  };
}

const HIT = `
local c = redis.call('INCR', KEYS[1])
local t = redis.call('PTTL', KEYS[1])
if t < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); t = tonumber(ARGV[1]) end
return {c, t}`;
const UNHIT = `
if redis.call('GET', KEYS[1]) and tonumber(redis.call('GET', KEYS[1])) > 0 then redis.call('DECR', KEYS[1]) end
return 1`;
const BLOCK = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`;

/** Counters shared by every instance through Redis; each step is one atomic script. */
export function redisCounters(redis: Redis, prefix = 'tessera:rl:'): RateCounters {
  return {
    // Redis keeps every key until it expires: tiers matter only to the bounded memory table.
    async hit(key, windowMs) {
      const [count, resetMs] = (await redis.eval(HIT, 1, prefix + key, String(windowMs))) as [number, number];
      return { count, resetMs };
    },
    async unhit(key) {
      await redis.eval(UNHIT, 1, prefix + key);
    },
    async block(key, ms) {
      await redis.eval(BLOCK, 1, prefix + key, String(Math.max(1, Math.ceil(ms))));
    },
    async blockedFor(key) {
      return Math.max(0, await redis.pttl(prefix + key));
    },
    async clear(...keys) {
      if (keys.length) await redis.del(...keys.map((k) => prefix + k));
    },
  };
}

const BREAK_MS = 1_000;

/**
 * Uses `primary` while it answers and `fallback` whenever it fails, so a
 * Redis outage weakens limits to per-instance ones instead of failing requests.
 * After a failure `primary` is left alone for a second, so a Redis that hangs
 * (rather than refusing) costs one timeout per second, not one per request.
 */
export function withFallback(primary: RateCounters, fallback: RateCounters, onFallback: (err: unknown) => void, now: () => number = Date.now): RateCounters {
  let brokenUntil = 0;
  const guard = <A extends unknown[], R>(op: (c: RateCounters) => (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      if (now() < brokenUntil) return op(fallback)(...a);
      try {
        return await op(primary)(...a);
      } catch (err) {
        brokenUntil = now() + BREAK_MS;
        onFallback(err);
        return op(fallback)(...a);
      }
    };
  return {
    hit: guard((c) => c.hit),
    unhit: guard((c) => c.unhit),
    block: guard((c) => c.block),
    blockedFor: guard((c) => c.blockedFor),
    clear: guard((c) => c.clear),
  };
}
