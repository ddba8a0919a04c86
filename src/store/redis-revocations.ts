import type { Redis } from 'ioredis';

export interface RevocationChannel {
  /** A session this instance ended. */
  publish(sid: string, at: number): void;
  /** A user this instance changed or deleted: other instances drop what they cached of it. */
  publishUserChange(userId: string): void;
  close(): void;
}

export interface RevocationHandlers {
  revoked(sid: string, at: number): void;
  userChanged(userId: string): void;
}

/**
 * Ended sessions and changed users announced over Redis pub/sub, so other
 * instances refuse those access tokens, and stop answering from their copy
 * of the user, within milliseconds instead of at their next database poll
 * (or cache expiry). Best effort by design: a lost message is caught by the
 * poll and the cache's one-second lifetime.
 */
export function connectRevocationChannel(redis: Redis, channel: string, on: RevocationHandlers): RevocationChannel {
  // A subscribed connection can do nothing else, so it is a second connection.
  const sub = redis.duplicate();
  sub.on('error', () => { /* the publisher's client reports Redis trouble */ });
  sub.on('ready', () => { sub.subscribe(channel).catch(() => undefined); });
  sub.on('message', (_channel: string, message: string) => {
    try {
      const { sid, at, uid } = JSON.parse(message) as { sid?: unknown; at?: unknown; uid?: unknown };
      if (typeof sid === 'string' && typeof at === 'number') on.revoked(sid, at);
      else if (typeof uid === 'string') on.userChanged(uid);
    } catch { /* not ours */ }
  });
  sub.connect().catch(() => undefined);
  const send = (message: object) => { redis.publish(channel, JSON.stringify(message)).catch(() => undefined); };
  return {
    publish(sid, at) {
      send({ sid, at });
    },
    publishUserChange(uid) {
      send({ uid });
    },
    close() {
      sub.disconnect();
    },
  };
}
