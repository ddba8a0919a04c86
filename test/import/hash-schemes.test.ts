import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inspectHash } from '../../src/crypto/hash-schemes.js';
import { createPasswordHasher } from '../../src/crypto/password-hasher.js';
import { TEST_HASH } from '../support/harness.js';

interface Fixture { verify: { scheme: string; password: string; hash: string }[]; absurd: { scheme: string; hash: string }[]; unknown: { scheme: string; hash: string }[] }
/** Written by passlib, bcrypt and argon2-cffi (fixtures/generate.py). */
const HASHES = JSON.parse(readFileSync(new URL('./fixtures/hashes.json', import.meta.url), 'utf8')) as Fixture;

describe('password hashes written by other systems', () => {
  const hasher = createPasswordHasher(TEST_HASH);

  it.each(HASHES.verify.map((h) => [h.scheme, h] as const))('%s verifies with its password only, and asks to be rehashed', async (_name, h) => {
    expect(inspectHash(h.hash).status).toBe('ok');
    expect(await hasher.verify(h.hash, h.password)).toBe(true);
    expect(await hasher.verify(h.hash, `${h.password}x`)).toBe(false);
    expect(await hasher.verify(h.hash, h.password.slice(0, -1))).toBe(false);
    expect(hasher.needsRehash(h.hash)).toBe(true);
  });

  it.each(HASHES.absurd.map((h) => [h.scheme, h.hash] as const))('%s is refused with a reason, and never verified', async (_name, hash) => {
    const found = inspectHash(hash);
    expect(found.status).toBe('refused');
    expect(found.status === 'refused' && found.reason).toMatch(/outside|over|needs more/);
    const started = Date.now();
    expect(await hasher.verify(hash, 'x')).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it.each(HASHES.unknown.map((h) => [h.scheme, h.hash] as const))('%s is an unknown format', async (_name, hash) => {
    expect(inspectHash(hash)).toEqual({ status: 'unknown' });
    expect(await hasher.verify(hash, 'old unix crypt')).toBe(false);
  });

  it('an imported hash costs at least one argon2 verification at the current parameters (no timing oracle)', async () => {
    const slow = createPasswordHasher({ memoryCost: 32_768, timeCost: 3, parallelism: 1 });
    const cheap = HASHES.verify.find((h) => h.scheme.startsWith('passlib pbkdf2_sha1'))!;
    await slow.burn('warm up'); // the dummy hash is made once
    const time = async (work: () => Promise<unknown>) => {
      const started = process.hrtime.bigint();
      await work();
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    // Medians of a few runs, and a wide margin: the machine may be busy. Without the padding the
    // pbkdf2 hash (2000 rounds) verifies ~50 times faster than the argon2 burn.
    const median = async (work: () => Promise<unknown>) => {
      const runs = [await time(work), await time(work), await time(work)].sort((a, b) => a - b);
      return runs[1]!;
    };
    const unknownUser = await median(() => slow.burn('x'));
    const imported = await median(() => slow.verify(cheap.hash, 'wrong'));
    expect(imported).toBeGreaterThan(unknownUser * 0.5);
  });
});
