import type { Redis } from 'ioredis';

export interface RevocationChannel {
  publish(sid: string, at: number): void;
  close(): void;
}

/**
 * Ended sessions announced over Redis pub/sub, so other instances refuse
 * their access tokens within milliseconds instead of at their next database
 * poll. Best effort by design: a lost message is caught by the poll.
 */
export function connectRevocationChannel(redis: Redis, channel: string, onRevoked: (sid: string, at: number) => void): RevocationChannel {
  // A subscribed connection can do nothing else, so it is a second connection.
  const sub = redis.duplicate();
  sub.on('error', () => { /* the publisher's client reports Redis trouble */ });
  sub.on('ready', () => { sub.subscribe(channel).catch(() => undefined); });
  sub.on('message', (_channel: string, message: string) => {
    try {
      const { sid, at } = JSON.parse(message) as { sid?: unknown; at?: unknown };
      if (typeof sid === 'string' && typeof at === 'number') onRevoked(sid, at);
    } catch { /* not ours */ }
  });
  sub.connect().catch(() => undefined);
  return {
    publish(sid, at) {
      redis.publish(channel, JSON.stringify({ sid, at })).catch(() => undefined);
    },
    close() {
      sub.disconnect();
    },
  };
}
