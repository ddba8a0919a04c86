/**
 * How instances tell each other, at once, of a session they ended or a user they changed. Two
 * carriers implement it: Redis pub/sub (redis-revocations.ts) and PostgreSQL LISTEN/NOTIFY
 * (pg-revocations.ts). Best effort by design: the database poll catches a lost message.
 */
export interface RevocationChannel {
  /** A session this instance ended. */
  publish(sid: string, at: number): void;
  /** A user this instance changed or deleted: other instances drop what they cached of it. */
  publishUserChange(userId: string): void;
  close(): void | Promise<void>;
}

export interface RevocationHandlers {
  revoked(sid: string, at: number): void;
  userChanged(userId: string): void;
  /** The channel was down and is back: messages sent meanwhile are lost, so read the database now. */
  resync?(): void;
}

export const revokedMessage = (sid: string, at: number): string => JSON.stringify({ sid, at });
export const userChangedMessage = (uid: string): string => JSON.stringify({ uid });

/** Hands a received message to its handler; anything malformed or not ours is ignored. */
export function dispatchMessage(message: string, on: RevocationHandlers): void {
  try {
    const { sid, at, uid } = JSON.parse(message) as { sid?: unknown; at?: unknown; uid?: unknown };
    if (typeof sid === 'string' && typeof at === 'number') on.revoked(sid, at);
    else if (typeof uid === 'string') on.userChanged(uid);
  } catch { /* not ours, or a handler not ready yet (the start-up poll covers it) */ }
}
