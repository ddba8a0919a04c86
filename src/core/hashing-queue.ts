import { AsyncLocalStorage } from 'node:async_hooks';
import { availableParallelism } from 'node:os';
import type { PasswordHasher } from '../crypto/password-hasher.js';
import { Overloaded } from './errors.js';

export interface HashingLimits {
  /** Hashes computed at once: the number of argon2 threads. */
  concurrency: number;
  /** Hashes allowed to wait for a slot; one more is refused with Overloaded. */
  maxQueue: number;
  /** Hashes one owner (an account, a client address) may hold, running or waiting; default 1/8 of the total. */
  perOwner?: number;
}

/** Who a request's hashing is charged to: opaque keys, e.g. its client address and its account. */
export interface HashingOwner {
  keys: string[];
}

const owners = new AsyncLocalStorage<HashingOwner>();

/**
 * Runs `fn` (and everything it starts) with its password hashing charged to
 * `owner`, whose keys may still be added to while it runs. The HTTP layer
 * charges rate-limited routes to their client address and account.
 */
export function chargeHashingTo<T>(owner: HashingOwner, fn: () => T): T {
  return owners.run(owner, fn);
}

/**
 * One argon2 thread per core: more at once adds no throughput, only memory
 * (each hash holds its memory cost).
 */
export function defaultHashingLimits(): HashingLimits {
  const concurrency = Math.max(1, availableParallelism());
  return { concurrency, maxQueue: 32 * concurrency };
}

/** A hasher behind the queue, which also tells how full the queue is (metrics read it at scrape time). */
export interface QueuedHasher extends PasswordHasher {
  /** Calls waiting for a slot. */
  waiting(): number;
  /** Calls handed to the hasher (at most `admit`). */
  running(): number;
}

/**
 * Wraps a hasher so its expensive calls (hash, verify, burn) are handed to it
 * at most `admit` at a time, with a bounded FIFO queue behind them. Beyond the
 * queue callers get Overloaded at once: a login flood is answered 503 instead
 * of holding requests (and their memory) until the process runs out. The
 * argon2 threads get two jobs each (`admit` = 2 × concurrency): one computing,
 * one ready to start the moment it ends; still only `concurrency` hashes hold
 * their memory at once.
 *
 * Fair share: work charged to an owner (chargeHashingTo) counts against each
 * of its keys, and a key already holding `perOwner` hashes is refused with
 * Overloaded at once, so one account or one address flooding password
 * routes cannot fill the queue and turn everyone else's login into a 503.
 */
export function queueHashing(hasher: PasswordHasher, limits: HashingLimits & { admit?: number }): QueuedHasher {
  const admit = limits.admit ?? limits.concurrency;
  const perOwner = limits.perOwner ?? Math.max(1, Math.floor((admit + limits.maxQueue) / 8));
  let active = 0;
  const waiting: (() => void)[] = [];
  const held = new Map<string, number>();

  function charge(keys: string[], by: 1 | -1): void {
    for (const k of keys) {
      const n = (held.get(k) ?? 0) + by;
      if (n > 0) held.set(k, n);
      else held.delete(k);
    }
  }

  async function run<T>(work: () => Promise<T>): Promise<T> {
    // A copy: keys added to the owner later belong to later hashes.
    const keys = [...(owners.getStore()?.keys ?? [])];
    if (active >= admit && waiting.length >= limits.maxQueue) throw new Overloaded();
    if (keys.some((k) => (held.get(k) ?? 0) >= perOwner)) throw new Overloaded();
    charge(keys, 1);
    try {
      if (active < admit) active++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await work();
      } finally {
        // Hand the slot straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
        const next = waiting.shift();
        if (next) next();
        else active--;
      }
    } finally {
      charge(keys, -1);
    }
  }

  return {
    hash: (password) => run(() => hasher.hash(password)),
    verify: (phc, password) => run(() => hasher.verify(phc, password)),
    burn: (password) => run(() => hasher.burn(password)),
    needsRehash: (phc) => hasher.needsRehash(phc),
    close: () => hasher.close(),
    waiting: () => waiting.length,
    running: () => active,
  };
}
