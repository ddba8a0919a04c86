/** Waits after the 1st, 2nd, … failed attempt; hourly after the last. */
const STEPS_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000];
const HOURLY_MS = 3_600_000;
/** Retries stop once this long has passed since the first attempt. */
export const GIVE_UP_AFTER_MS = 24 * 3_600_000;
const JITTER = 0.2;

export interface RetrySchedule {
  /** When to try again after `attempts` failed attempts, or undefined to give up. */
  next(attempts: number, firstAttemptAt: number, now: number): number | undefined;
}

/**
 * About 5 s, 30 s, 2 min, 10 min, 1 h, then hourly until 24 h after the first attempt, each wait
 * ±20% (so receivers that come back are not hit by every sender at once). `scale` shrinks the
 * whole schedule, the 24 h included (tests).
 */
export function retrySchedule(opts: { scale?: number; random?: () => number } = {}): RetrySchedule {
  const scale = opts.scale ?? 1;
  const random = opts.random ?? Math.random;
  return {
    next(attempts, firstAttemptAt, now) {
      const base = STEPS_MS[attempts - 1] ?? HOURLY_MS;
      const wait = base * scale * (1 - JITTER + 2 * JITTER * random());
      const at = Math.round(now + wait);
      return at - firstAttemptAt > GIVE_UP_AFTER_MS * scale ? undefined : at;
    },
  };
}
