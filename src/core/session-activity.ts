import { createIntervalGate } from './interval-gate.js';

export interface SessionActivityDeps {
  /** Writes the session's last use (sessions-repo.ts touch). */
  write(sid: string, at: number): Promise<void>;
  now?: () => number;
  /** A session's use is written at most once per this interval by this instance. */
  intervalMs?: number;
  /** Sessions remembered at most; the oldest are forgotten first (their next use writes again). */
  maxEntries?: number;
  onError?: (err: unknown) => void;
}

/**
 * `last_used_at` of sessions, kept cheap: a token check costs one Map lookup, and a session's use
 * is written at most once a minute per instance, in the background (never awaited by a request).
 */
export function createSessionActivity(deps: SessionActivityDeps) {
  const gate = createIntervalGate({ intervalMs: deps.intervalMs ?? 60_000, maxEntries: deps.maxEntries ?? 50_000, ...(deps.now ? { now: deps.now } : {}) });
  return {
    /** A use of session `sid` now; writes when the last write of this instance is an interval old. */
    used(sid: string): void {
      const at = gate.pass(sid);
      if (at !== undefined) deps.write(sid, at).catch((err) => deps.onError?.(err));
    },
    /** How many sessions are remembered (tests). */
    size: gate.size,
  };
}

export type SessionActivity = ReturnType<typeof createSessionActivity>;
