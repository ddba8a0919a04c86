import { describe, expect, it } from 'vitest';
import { retrySchedule } from '../../src/webhooks/schedule.js';

const H = 3_600_000;

describe('webhook retry schedule', () => {
  it('waits 5 s, 30 s, 2 min, 10 min, 1 h, then hourly', () => {
    const exact = retrySchedule({ random: () => 0.5 });
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => exact.next(n, 0, 0))).toEqual([5_000, 30_000, 120_000, 600_000, H, H, H]);
  });

  it('jitters each wait by at most 20%', () => {
    expect(retrySchedule({ random: () => 0 }).next(1, 0, 0)).toBe(4_000);
    expect(retrySchedule({ random: () => 0.999999 }).next(1, 0, 0)).toBe(6_000);
  });

  it('gives up once the next attempt would fall more than 24 h after the first', () => {
    const s = retrySchedule({ random: () => 0.5 });
    expect(s.next(20, 0, 23 * H)).toBe(24 * H);
    expect(s.next(21, 0, 23 * H + 1)).toBeUndefined();
  });

  it('scales the whole schedule, the 24 h included', () => {
    const s = retrySchedule({ scale: 0.001, random: () => 0.5 });
    expect(s.next(1, 0, 0)).toBe(5);
    expect(s.next(9, 0, 86_400)).toBeUndefined();
  });
});
