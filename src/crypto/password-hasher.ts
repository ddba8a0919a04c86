import { Algorithm, hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import type { Argon2Threads } from './argon2-threads.js';
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface Argon2Params {
  memoryCost: number; // KiB
  timeCost: number;
  parallelism: number;
}

/** OWASP's minimum for argon2id; production config never goes below it. */
export const OWASP_ARGON2: Argon2Params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Checks a password against any known scheme (argon2*, bcrypt, scrypt PHC). */
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
 * argon2id (and verification of imported bcrypt/scrypt hashes). With `threads`
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

  return {
    hash: (password) => argon.hash(password),

    async verify(phc, password) {
      try {
        if (phc.startsWith('$argon2')) return await argon.verify(phc, password);
        // Loaded on first use: only imported hashes need it, and it costs start time and memory.
        if (/^\$2[abxy]\$\d\d\$/.test(phc)) return await (await import('bcryptjs')).compare(password, phc);
        if (phc.startsWith('$scrypt$')) return await verifyScrypt(phc, password);
      } catch {
        return false; // a malformed stored hash never authenticates
      }
      return false;
    },

    needsRehash(phc) {
      const m = ARGON_PARAMS.exec(phc);
      return !m || m[1] !== 'id' || Number(m[2]) !== params.memoryCost || Number(m[3]) !== params.timeCost || Number(m[4]) !== params.parallelism;
    },

    async burn(password) {
      dummy ??= argon.hash(randomBytes(16).toString('hex'));
      await argon.verify(await dummy, password).catch(() => false);
    },

    close: async () => threads?.close(),
  };
}

/** PHC scrypt as written by passlib and others: $scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64>. */
async function verifyScrypt(phc: string, password: string): Promise<boolean> {
  const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/.exec(phc);
  if (!m) return false;
  const [, ln, r, p, salt, expectedB64] = m;
  const expected = Buffer.from(expectedB64!, 'base64');
  const N = 2 ** Number(ln);
  const derived = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, Buffer.from(salt!, 'base64'), expected.length,
      { N, r: Number(r), p: Number(p), maxmem: 256 * N * Number(r) + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key))));
  return derived.length === expected.length && timingSafeEqual(derived, expected);
}
