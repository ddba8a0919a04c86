import { availableParallelism } from 'node:os';
import type { PasswordHasher } from '../crypto/password-hasher.js';
import { Overloaded } from './errors.js';

export interface HashingLimits {
  /** Hashes computed at once: the number of argon2 threads. */
  concurrency: number;
  /** Hashes allowed to wait for a slot; one more is refused with Overloaded. */
  maxQueue: number;
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
 */
export function queueHashing(hasher: PasswordHasher, limits: HashingLimits & { admit?: number }): QueuedHasher {
  const admit = limits.admit ?? limits.concurrency;
  let active = 0;
  const waiting: (() => void)[] = [];

  async function run<T>(work: () => Promise<T>): Promise<T> {
    if (active < admit) active++;
    else if (waiting.length >= limits.maxQueue) throw new Overloaded();
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
      const next = waiting.shift();
      if (next) next();
      else active--;
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
