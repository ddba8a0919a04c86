import { describe, expect, it } from 'vitest';
import { createSessionActivity } from '../../src/core/session-activity.js';

function recorder() {
  const writes: [string, number][] = [];
  return { writes, write: async (sid: string, at: number) => { writes.push([sid, at]); } };
}

describe('session last use (last_used_at)', () => {
  it('writes a session\'s use at most once a minute, whatever the number of token checks', () => {
    let clock = 1_000_000;
    const r = recorder();
    const activity = createSessionActivity({ write: r.write, now: () => clock });
    activity.used('a');
    for (let i = 0; i < 100; i++) {
      clock += 500; // 50 s of requests, two a second
      activity.used('a');
    }
    expect(r.writes).toEqual([['a', 1_000_000]]);
    clock = 1_000_000 + 60_000;
    activity.used('a');
    activity.used('a');
    expect(r.writes).toEqual([['a', 1_000_000], ['a', 1_060_000]]);
  });

  it('counts each session apart', () => {
    const r = recorder();
    const activity = createSessionActivity({ write: r.write, now: () => 5 });
    for (const sid of ['a', 'b', 'a', 'c', 'b']) activity.used(sid);
    expect(r.writes.map(([sid]) => sid)).toEqual(['a', 'b', 'c']);
  });

  it('stays bounded: past maxEntries the session written longest ago is forgotten (its next use writes again)', () => {
    let clock = 0;
    const r = recorder();
    const activity = createSessionActivity({ write: r.write, now: () => clock, maxEntries: 3 });
    for (const sid of ['a', 'b', 'c', 'd']) {
      activity.used(sid);
      clock += 1;
    }
    expect(activity.size()).toBe(3);
    activity.used('b'); // still remembered: no write
    activity.used('a'); // forgotten: written again
    expect(r.writes.map(([sid]) => sid)).toEqual(['a', 'b', 'c', 'd', 'a']);
    expect(activity.size()).toBe(3);
  });

  it('never lets a failed write reach the request', async () => {
    const errors: unknown[] = [];
    const activity = createSessionActivity({ write: async () => { throw new Error('database down'); }, onError: (e) => errors.push(e) });
    expect(() => activity.used('a')).not.toThrow();
    await new Promise((r) => setImmediate(r));
    expect(errors).toHaveLength(1);
  });
});
