import type { SessionsRepo } from '../store/repos/sessions-repo.js';

export interface RevocationListOptions {
  /** Revocations older than this can only concern expired access tokens: forget them. */
  windowMs: number;
  /** How often to read revocations other instances wrote; the propagation bound. */
  pollMs: number;
  now?: () => number;
  onError?: (err: unknown) => void;
  /** Tells other instances at once (Redis pub/sub, PostgreSQL NOTIFY); the poll remains the bound when it is absent or down. */
  broadcast?: (sid: string, at: number) => void;
  /** Called once per session this instance ends (metrics). */
  onRevoked?: (sid: string) => void;
}

/**
 * How long a missing revocation number is waited for. PostgreSQL hands numbers out before commit, so
 * a later number can be visible first; a number still missing after this was rolled back or its
 * session purged. Revocations are single statements: their commit follows within milliseconds.
 */
export const GAP_HOLD_MS = 10_000;
/** At start, how many of the latest numbers to read again: revocations committing at that moment. */
const START_REACH = 100;
/** Rows read per poll at most; a longer backlog is read over the next polls. */
const POLL_LIMIT = 5_000;

/**
 * Ended sessions, in memory, so checking an access token costs no database
 * round-trip. This instance's own revocations apply at once; other
 * instances' arrive through a poll every `pollMs` (one indexed query per
 * interval, not per request) of the sessions numbered after the last one seen.
 * The numbers come from the database (sessions.revoked_seq), so an instance
 * whose clock is off neither misses nor hides revocations.
 */
export function createRevocationList(sessions: SessionsRepo, opts: RevocationListOptions) {
  const now = opts.now ?? Date.now;
  // Session id → when this instance learned of it (its own clock, only ever compared with itself).
  const revoked = new Map<string, number>();
  // Every revocation numbered up to the cursor is known (or was waited for GAP_HOLD_MS and given up).
  let cursor = 0;
  // A missing number above the cursor: since when, and the highest number read by then.
  let hold: { since: number; upTo: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;

  const learn = (sid: string) => { if (!revoked.has(sid)) revoked.set(sid, now()); };

  /** Moves the cursor over the numbers just read (all above it), waiting at a missing one. */
  function settle(seqs: number[]): void {
    const seen = new Set(seqs);
    const top = seqs.reduce((a, b) => Math.max(a, b), cursor);
    for (;;) {
      while (seen.has(cursor + 1)) cursor++;
      if (cursor >= top) {
        hold = undefined;
        return;
      }
      // Every number missing up to hold.upTo has been missing since hold.since at least.
      if (hold && cursor >= hold.upTo) hold = undefined;
      if (!hold) hold = { since: now(), upTo: top };
      if (now() - hold.since < GAP_HOLD_MS) return;
      cursor = hold.upTo;
      hold = undefined;
    }
  }

  async function poll(): Promise<void> {
    const rows = await sessions.revokedAfter(cursor, POLL_LIMIT);
    for (const r of rows) learn(r.id);
    settle(rows.map((r) => r.seq));
    const horizon = now() - opts.windowMs;
    for (const [sid, at] of revoked) if (at < horizon) revoked.delete(sid);
  }

  return {
    async start(): Promise<void> {
      const last = await sessions.lastRevocationSeq();
      // Sessions ended within the window are loaded by their time (the writer's clock: skew up to
      // the window's one-minute margin is absorbed); from then on, by number.
      for (const r of await sessions.revokedSince(now() - opts.windowMs)) learn(r.id);
      cursor = Math.max(0, last - START_REACH);
      await poll();
      timer = setInterval(() => {
        if (polling) return;
        polling = poll().catch((err) => opts.onError?.(err)).finally(() => { polling = undefined; });
      }, opts.pollMs);
      timer.unref();
    },

    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await polling;
    },

    /** A session this instance ended: refused here at once, and announced to the others. */
    add(sid: string, at: number = now()): void {
      learn(sid);
      opts.broadcast?.(sid, at);
      opts.onRevoked?.(sid);
    },

    /** A session another instance announced it ended. */
    receive(sid: string): void {
      learn(sid);
    },

    isRevoked: (sid: string): boolean => revoked.has(sid),

    /** Forces a read now (tests, the CLI after writing, a broadcast channel after reconnecting). */
    refresh: () => poll(),
  };
}

export type RevocationList = ReturnType<typeof createRevocationList>;
