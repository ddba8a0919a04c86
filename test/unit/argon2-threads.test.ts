import { Algorithm, verify } from '@node-rs/argon2';
import { afterAll, describe, expect, it } from 'vitest';
import { createArgon2Threads } from '../../src/crypto/argon2-threads.js';

const options = { algorithm: Algorithm.Argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 };

describe('argon2 threads', () => {
  const threads = createArgon2Threads(2);
  afterAll(async () => threads.close());

  it('hashes and verifies off the main thread, with the same PHC strings as the library', async () => {
    const phc = await threads.hash('correct horse', options);
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(await verify(phc, 'correct horse')).toBe(true);
    expect(await threads.verify(phc, 'correct horse')).toBe(true);
    expect(await threads.verify(phc, 'wrong horse')).toBe(false);
  });

  it('answers many jobs at once, each with its own result, on at most the given number of threads', async () => {
    const phcs = await Promise.all(Array.from({ length: 6 }, (_, i) => threads.hash(`pw-${i}`, options)));
    const checks = await Promise.all(phcs.flatMap((phc, i) => [threads.verify(phc, `pw-${i}`), threads.verify(phc, `pw-${i + 1}`)]));
    expect(checks).toEqual(phcs.flatMap(() => [true, false]));
  });

  it('rejects a malformed hash instead of crashing, and keeps working', async () => {
    await expect(threads.verify('$argon2id$not-a-hash', 'x')).rejects.toThrow();
    expect(await threads.verify(await threads.hash('again', options), 'again')).toBe(true);
  });

  it('starts new threads after close, on the next job', async () => {
    const other = createArgon2Threads(1);
    const phc = await other.hash('x', options);
    await other.close();
    expect(await other.verify(phc, 'x')).toBe(true);
    await other.close();
  });
});
