import type { SessionsRepo } from '../store/repos/sessions-repo.js';

export interface RevocationListOptions {
  /** Revocations older than this can only concern expired access tokens: forget them. */
  windowMs: number;
  /** How often to read revocations other instances wrote; the propagation bound. */
  pollMs: number;
  now?: () => number;
  onError?: (err: unknown) => void;
  /** Tells other instances at once (Redis pub/sub); the poll remains the bound when it is absent or down. */
  broadcast?: (sid: string, at: number) => void;
  /** Called once per session this instance ends (metrics). */
  onRevoked?: (sid: string) => void;
}

/** Extra reach back when polling, to absorb clock skew between instances and slow commits. */
const POLL_OVERLAP_MS = 5_000;

/**
 * Ended sessions, in memory, so checking an access token costs no database
 * round-trip. This instance's own revocations apply at once; other
 * instances' arrive through a poll of sessions.revoked_at every `pollMs`
 * (one indexed query per interval, not per request).
 */
export function createRevocationList(sessions: SessionsRepo, opts: RevocationListOptions) {
  const now = opts.now ?? Date.now;
  const revoked = new Map<string, number>();
  let lastPoll = 0;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;

  async function poll(since: number): Promise<void> {
    const started = now();
    for (const r of await sessions.revokedSince(since)) revoked.set(r.id, r.revokedAt);
    lastPoll = started;
    const horizon = started - opts.windowMs;
    for (const [sid, at] of revoked) if (at < horizon) revoked.delete(sid);
  }

  return {
    async start(): Promise<void> {
      await poll(now() - opts.windowMs);
      timer = setInterval(() => {
        if (polling) return;
        polling = poll(lastPoll - POLL_OVERLAP_MS).catch((err) => opts.onError?.(err)).finally(() => { polling = undefined; });
      }, opts.pollMs);
      timer.unref();
    },

    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await polling;
    },

    /** A session this instance ended: refused here at once, and announced to the others. */
    add(sid: string, at: number = now()): void {
      revoked.set(sid, at);
      opts.broadcast?.(sid, at);
      opts.onRevoked?.(sid);
    },

    /** A session another instance announced it ended. */
    receive(sid: string, at: number): void {
      revoked.set(sid, at);
    },

    isRevoked: (sid: string): boolean => revoked.has(sid),

    /** Forces a read now (tests, and the CLI after writing). */
    refresh: () => poll(lastPoll - POLL_OVERLAP_MS),
  };
}

export type RevocationList = ReturnType<typeof createRevocationList>;
