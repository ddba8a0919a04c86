import { availableParallelism } from 'node:os';
import type { PasswordHasher } from '../crypto/password-hasher.js';
import { Overloaded } from './errors.js';

export interface HashingLimits {
  /** Hashes computed at once. */
  concurrency: number;
  /** Hashes allowed to wait for a slot; one more is refused with Overloaded. */
  maxQueue: number;
}

/**
 * One argon2 hash per core: more at once adds no throughput, only memory
 * (each hash holds its memory cost), and must leave a libuv thread free,
 * because JWT signing and verification run on the same thread pool.
 */
export function defaultHashingLimits(env: NodeJS.ProcessEnv = process.env): HashingLimits {
  const threads = Number(env.UV_THREADPOOL_SIZE) || 4;
  const concurrency = Math.max(1, Math.min(availableParallelism(), threads - 1));
  return { concurrency, maxQueue: 32 * concurrency };
}

/**
 * Wraps a hasher so its expensive calls (hash, verify, burn) run at most
 * `concurrency` at a time, with a bounded FIFO queue behind them. Beyond the
 * queue callers get Overloaded at once: a login flood is answered 503 instead
 * of holding requests (and their memory) until the process runs out.
 */
export function queueHashing(hasher: PasswordHasher, limits: HashingLimits): PasswordHasher {
  let active = 0;
  const waiting: (() => void)[] = [];

  async function run<T>(work: () => Promise<T>): Promise<T> {
    if (active < limits.concurrency) active++;
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
  };
}
