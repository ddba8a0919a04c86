export interface IntervalGateOptions {
  /** A key passes at most once per this interval. */
  intervalMs: number;
  /** Keys remembered at most; the one that passed longest ago is forgotten first (it passes again). */
  maxEntries: number;
  now?: () => number;
}

/**
 * "At most once per interval per key", in bounded memory: what keeps a per-request event from
 * becoming a write per request (session last use, rate_limited events). One Map lookup per call.
 * Returns the time of passing, or undefined when the key passed less than an interval ago.
 */
export function createIntervalGate(opts: IntervalGateOptions) {
  const now = opts.now ?? Date.now;
  // Insertion order is pass order: the first key is the one that passed longest ago.
  const passed = new Map<string, number>();
  return {
    pass(key: string): number | undefined {
      const at = now();
      const last = passed.get(key);
      if (last !== undefined && at - last < opts.intervalMs) return undefined;
      if (last !== undefined) passed.delete(key);
      else if (passed.size >= opts.maxEntries) passed.delete(passed.keys().next().value!);
      passed.set(key, at);
      return at;
    },
    /** How many keys are remembered (tests). */
    size: () => passed.size,
  };
}
