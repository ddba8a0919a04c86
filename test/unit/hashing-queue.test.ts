import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { Overloaded } from '../../src/core/errors.js';
import { chargeHashingTo, defaultHashingLimits, queueHashing } from '../../src/core/hashing-queue.js';
import type { PasswordHasher } from '../../src/crypto/password-hasher.js';

/** A hasher whose calls finish only when the test says so, recording how many run at once. */
function manualHasher() {
  const pending: { password: string; finish: (ok: boolean) => void; fail: (e: Error) => void }[] = [];
  let running = 0;
  let peak = 0;
  const start = (password: string) => new Promise<boolean>((resolve, reject) => {
    running++;
    peak = Math.max(peak, running);
    const done = () => { running--; };
    pending.push({ password, finish: (ok) => { done(); resolve(ok); }, fail: (e) => { done(); reject(e); } });
  });
  const hasher: PasswordHasher = {
    hash: async (p) => `hash:${await start(p)}`,
    verify: (_phc, p) => start(p),
    burn: async (p) => { await start(p); },
    needsRehash: () => false,
    close: async () => {},
  };
  return { hasher, pending, peak: () => peak };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('queueHashing', () => {
  it('runs at most `concurrency` at once and the rest in arrival order', async () => {
    const m = manualHasher();
    const q = queueHashing(m.hasher, { concurrency: 2, maxQueue: 10 });
    const results = ['a', 'b', 'c', 'd', 'e'].map((p) => q.verify('phc', p));
    await tick();
    expect(m.pending.map((p) => p.password)).toEqual(['a', 'b']);
    while (m.pending.length > 0) {
      m.pending.shift()!.finish(true);
      await tick();
    }
    expect(await Promise.all(results)).toEqual([true, true, true, true, true]);
    expect(m.peak()).toBe(2);
  });

  it('refuses with Overloaded once the queue is full, at once, without starting work', async () => {
    const m = manualHasher();
    const q = queueHashing(m.hasher, { concurrency: 1, maxQueue: 1 });
    const first = q.hash('a');
    const second = q.burn('b');
    await expect(q.verify('phc', 'c')).rejects.toBeInstanceOf(Overloaded);
    await tick();
    expect(m.pending.map((p) => p.password)).toEqual(['a']);
    m.pending.shift()!.finish(true);
    await tick();
    m.pending.shift()!.finish(true);
    await expect(first).resolves.toBe('hash:true');
    await expect(second).resolves.toBeUndefined();
  });

  it('frees the slot when a hash fails', async () => {
    const m = manualHasher();
    const q = queueHashing(m.hasher, { concurrency: 1, maxQueue: 0 });
    const failing = q.verify('phc', 'a');
    m.pending.shift()!.fail(new Error('boom'));
    await expect(failing).rejects.toThrow('boom');
    const next = q.verify('phc', 'b');
    await tick();
    m.pending.shift()!.finish(false);
    await expect(next).resolves.toBe(false);
  });

  it('by default hashes one per core, with a queue of 32 per core', () => {
    const l = defaultHashingLimits();
    expect(l.concurrency).toBe(availableParallelism());
    expect(l.maxQueue).toBe(32 * l.concurrency);
  });

  it('hands the hasher `admit` at once when given (a ready job per argon2 thread), queueing the rest', async () => {
    const m = manualHasher();
    const q = queueHashing(m.hasher, { concurrency: 2, admit: 4, maxQueue: 1 });
    const calls = Array.from({ length: 5 }, (_, i) => q.verify('phc', String(i)));
    await expect(q.verify('phc', 'too many')).rejects.toBeInstanceOf(Overloaded);
    await tick();
    expect(m.pending.map((p) => p.password)).toEqual(['0', '1', '2', '3']);
    m.pending.shift()!.finish(true);
    await tick();
    expect(m.pending.map((p) => p.password)).toEqual(['1', '2', '3', '4']);
    for (const p of m.pending.splice(0)) p.finish(true);
    await expect(Promise.all(calls)).resolves.toEqual([true, true, true, true, true]);
    expect(m.peak()).toBe(4);
  });

  it('holds each owner key to its share, running or waiting; others still get in', async () => {
    const m = manualHasher();
    const q = queueHashing(m.hasher, { concurrency: 1, maxQueue: 10, perOwner: 2 });
    const flood = chargeHashingTo({ keys: ['a:1.2.3.4', 'u:attacker'] }, () => [q.verify('phc', 'f1'), q.verify('phc', 'f2')]);
    // The same account from another address, and the same address for another account: both over a share.
    await expect(chargeHashingTo({ keys: ['a:5.6.7.8', 'u:attacker'] }, () => q.verify('phc', 'f3'))).rejects.toBeInstanceOf(Overloaded);
    await expect(chargeHashingTo({ keys: ['a:1.2.3.4', 'u:other'] }, () => q.verify('phc', 'f4'))).rejects.toBeInstanceOf(Overloaded);
    const victim = chargeHashingTo({ keys: ['a:9.9.9.9', 'u:victim'] }, () => q.verify('phc', 'v'));
    const anonymous = q.hash('cli');
    for (let i = 0; i < 4; i++) {
      await tick();
      m.pending.shift()!.finish(true);
    }
    expect(await Promise.all([...flood, victim])).toEqual([true, true, true]);
    await expect(anonymous).resolves.toBe('hash:true');
    // Shares are given back when hashes end.
    const again = chargeHashingTo({ keys: ['u:attacker'] }, () => [q.verify('phc', 'g1'), q.verify('phc', 'g2')]);
    await tick();
    m.pending.shift()!.finish(true);
    await tick();
    m.pending.shift()!.finish(true);
    expect(await Promise.all(again)).toEqual([true, true]);
  });

  it('gives each owner an eighth of the queue by default, at least one', async () => {
    const m = manualHasher();
    const q = queueHashing(m.hasher, { concurrency: 2, admit: 4, maxQueue: 12 });
    const mine = chargeHashingTo({ keys: ['u:me'] }, () => [q.verify('phc', '1'), q.verify('phc', '2')]);
    await expect(chargeHashingTo({ keys: ['u:me'] }, () => q.verify('phc', '3'))).rejects.toBeInstanceOf(Overloaded);
    await tick();
    for (const p of m.pending.splice(0)) p.finish(true);
    expect(await Promise.all(mine)).toEqual([true, true]);
  });
});
