import { describe, expect, it } from 'vitest';
import { memoryCounters } from '../../src/store/rate-counters.js';
import { expectUnhitContract } from '../support/rate-counters.js';

describe('memoryCounters', () => {
  it('counts hits in a fixed window, and forgets them when it ends', async () => {
    let t = 0;
    const c = memoryCounters(() => t, 10);
    expect((await c.hit('k', 1000, 'address')).count).toBe(1);
    expect(await c.hit('k', 1000, 'address')).toEqual({ count: 2, resetMs: 1000 });
    t = 1000;
    expect((await c.hit('k', 1000, 'address')).count).toBe(1);
  });

  it('takes a hit back from a live window, never below zero and never starting one', async () => {
    let t = 0;
    const c = memoryCounters(() => t, 10);
    await expectUnhitContract(c);
    // An ended window is not taken back into: the next hit starts a new one.
    t = 60_000;
    await c.unhit('k');
    expect((await c.hit('k', 1000, 'account')).count).toBe(1);
  });

  it('evicts per-address counters first when full: many addresses cannot flush back-off state', async () => {
    const c = memoryCounters(Date.now, 10);
    await c.hit('bof:victim', 60_000, 'backoff');
    await c.hit('bof:victim', 60_000, 'backoff');
    await c.block('bo:victim', 60_000);
    await c.hit('mail:acct:victim', 60_000, 'account');
    for (let i = 0; i < 1000; i++) await c.hit(`login:ip:10.0.${i >> 8}.${i & 255}`, 60_000, 'address');
    expect((await c.hit('bof:victim', 60_000, 'backoff')).count).toBe(3);
    expect(await c.blockedFor('bo:victim')).toBeGreaterThan(59_000);
    expect((await c.hit('mail:acct:victim', 60_000, 'account')).count).toBe(2);
  });

  it('then per-account counters, and back-off state only last, oldest first', async () => {
    const c = memoryCounters(Date.now, 10);
    await c.hit('bof:old', 60_000, 'backoff');
    for (let i = 0; i < 8; i++) await c.hit(`bof:${i}`, 60_000, 'backoff');
    for (let i = 0; i < 20; i++) await c.hit(`acct:${i}`, 60_000, 'account');
    expect((await c.hit('bof:0', 60_000, 'backoff')).count).toBe(2);
    for (let i = 0; i < 20; i++) await c.hit(`bof:new${i}`, 60_000, 'backoff');
    expect((await c.hit('bof:old', 60_000, 'backoff')).count).toBe(1);
  });

  it('sweeps expired keys before evicting live ones', async () => {
    let t = 0;
    const c = memoryCounters(() => t, 10);
    await c.hit('bof:victim', 60_000, 'backoff');
    for (let i = 0; i < 9; i++) await c.hit(`gone:${i}`, 10, 'backoff');
    t = 100;
    await c.hit('new', 60_000, 'backoff');
    expect((await c.hit('bof:victim', 60_000, 'backoff')).count).toBe(2);
  });

  it('blocks and clears', async () => {
    const c = memoryCounters(Date.now, 10);
    await c.block('bo:x', 5_000);
    await c.block('bo:x', 1_000); // a shorter block keeps the longer one
    expect(await c.blockedFor('bo:x')).toBeGreaterThan(4_000);
    await c.clear('bo:x');
    expect(await c.blockedFor('bo:x')).toBe(0);
  });
});
