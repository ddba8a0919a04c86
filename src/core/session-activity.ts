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
  const now = deps.now ?? Date.now;
  const intervalMs = deps.intervalMs ?? 60_000;
  const maxEntries = deps.maxEntries ?? 50_000;
  // Insertion order is write order: the first key is the one written longest ago.
  const lastWrite = new Map<string, number>();

  return {
    /** A use of session `sid` now; writes when the last write of this instance is an interval old. */
    used(sid: string): void {
      const at = now();
      const last = lastWrite.get(sid);
      if (last !== undefined && at - last < intervalMs) return;
      if (last !== undefined) lastWrite.delete(sid);
      else if (lastWrite.size >= maxEntries) lastWrite.delete(lastWrite.keys().next().value!);
      lastWrite.set(sid, at);
      deps.write(sid, at).catch((err) => deps.onError?.(err));
    },
    /** How many sessions are remembered (tests). */
    size: () => lastWrite.size,
  };
}

export type SessionActivity = ReturnType<typeof createSessionActivity>;
