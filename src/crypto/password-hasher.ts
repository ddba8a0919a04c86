import { Algorithm, hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import type { Argon2Threads } from './argon2-threads.js';
import { randomBytes } from 'node:crypto';
import { verifyForeign } from './foreign-hashes.js';
import { inspectHash } from './hash-schemes.js';

export interface Argon2Params {
  memoryCost: number; // KiB
  timeCost: number;
  parallelism: number;
}

/** OWASP's minimum for argon2id; production config never goes below it. */
export const OWASP_ARGON2: Argon2Params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Checks a password against any known scheme (hash-schemes.ts: argon2*, bcrypt, passlib's, Django's, scrypt PHC). */
  verify(phc: string, password: string): Promise<boolean>;
  /** True when a stored hash is not argon2id at the current parameters. */
  needsRehash(phc: string): boolean;
  /** Spends one verification's worth of work, so unknown users cost what known ones do. */
  burn(password: string): Promise<void>;
  /** Stops the hashing threads, if any. */
  close(): Promise<void>;
}

const ARGON_PARAMS = /^\$argon2(id|i|d)\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/;

/**
 * argon2id (and verification of imported hashes of other schemes). With `threads`
 * argon2 runs on dedicated threads (argon2-threads.ts), as the server does;
 * without, on the libuv pool (the CLI, which hashes once).
 */
export function createPasswordHasher(params: Argon2Params, threads?: Argon2Threads): PasswordHasher {
  const options = { algorithm: Algorithm.Argon2id, ...params };
  const argon = threads
    ? { hash: (password: string) => threads.hash(password, options), verify: (phc: string, password: string) => threads.verify(phc, password) }
    : { hash: (password: string) => argonHash(password, options), verify: (phc: string, password: string) => argonVerify(phc, password) };
  // Hashed once, lazily, so `burn` verifies against a real hash of the same cost.
  let dummy: Promise<string> | undefined;

  function needsRehash(phc: string): boolean {
    const m = ARGON_PARAMS.exec(phc);
    return !m || m[1] !== 'id' || Number(m[2]) !== params.memoryCost || Number(m[3]) !== params.timeCost || Number(m[4]) !== params.parallelism;
  }

  async function burn(password: string): Promise<void> {
    dummy ??= argon.hash(randomBytes(16).toString('hex'));
    await argon.verify(await dummy, password).catch(() => false);
  }

  /** Hashes outside the bounds of hash-schemes.ts never verify (the importer refuses them first). */
  async function verifyOther(phc: string, password: string): Promise<boolean> {
    const found = inspectHash(phc);
    if (found.status !== 'ok') return false;
    if (found.scheme.kind === 'argon2') return argon.verify(phc, password);
    return verifyForeign(found.scheme, phc, password);
  }

  return {
    hash: (password) => argon.hash(password),

    async verify(phc, password) {
      if (!needsRehash(phc)) return argon.verify(phc, password).catch(() => false);
      // Any other scheme (an imported or older hash) also spends one argon2 verification at
      // the current parameters, alongside: the login then takes at least what an unknown
      // user's does, so timing does not tell which accounts were imported.
      const [ok] = await Promise.all([verifyOther(phc, password).catch(() => false), burn(password)]);
      return ok; // a malformed stored hash never authenticates
    },

    needsRehash,
    burn,
    close: async () => threads?.close(),
  };
}
