import type { Redis } from 'ioredis';

/**
 * Counters with expiry, for rate limits and login back-off. In memory by
 * default; in Redis when configured, so every instance sees the same counts.
 */
export interface RateCounters {
  /** Adds one hit to a fixed window that starts with its first hit. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
  /** Blocks `key` for `ms` (an existing longer block is kept). */
  block(key: string, ms: number): Promise<void>;
  /** Milliseconds left on a block; 0 when there is none. */
  blockedFor(key: string): Promise<number>;
  clear(...keys: string[]): Promise<void>;
}

const MAX_MEMORY_KEYS = 100_000;

/** One process's counters. Bounded: expired keys are swept, and past the bound the oldest go first. */
export function memoryCounters(now: () => number = Date.now): RateCounters {
  const entries = new Map<string, { n: number; until: number }>();
  let ops = 0;

  function live(key: string) {
    const e = entries.get(key);
    if (e && e.until <= now()) {
      entries.delete(key);
      return undefined;
    }
    return e;
  }
  function put(key: string, e: { n: number; until: number }) {
    if (++ops % 1000 === 0 || entries.size >= MAX_MEMORY_KEYS) {
      const t = now();
      for (const [k, v] of entries) if (v.until <= t) entries.delete(k);
      while (entries.size >= MAX_MEMORY_KEYS) entries.delete(entries.keys().next().value as string);
    }
    entries.set(key, e);
  }

  return {
    async hit(key, windowMs) {
      const e = live(key) ?? { n: 0, until: now() + windowMs };
      e.n += 1;
      put(key, e);
      return { count: e.n, resetMs: e.until - now() };
    },
    async block(key, ms) {
      const e = live(key);
      if (!e || e.until < now() + ms) put(key, { n: 1, until: now() + ms });
    },
    async blockedFor(key) {
      const e = live(key);
      return e ? e.until - now() : 0;
    },
    async clear(...keys) {
      for (const k of keys) entries.delete(k);
    },
  };
}

const HIT = `
local c = redis.call('INCR', KEYS[1])
local t = redis.call('PTTL', KEYS[1])
if t < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); t = tonumber(ARGV[1]) end
return {c, t}`;
const BLOCK = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`;

/** Counters shared by every instance through Redis; each step is one atomic script. */
export function redisCounters(redis: Redis, prefix = 'tessera:rl:'): RateCounters {
  return {
    async hit(key, windowMs) {
      const [count, resetMs] = (await redis.eval(HIT, 1, prefix + key, String(windowMs))) as [number, number];
      return { count, resetMs };
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
    block: guard((c) => c.block),
    blockedFor: guard((c) => c.blockedFor),
    clear: guard((c) => c.clear),
  };
}
