import type { Redis } from 'ioredis';
import { dispatchMessage, revokedMessage, userChangedMessage, type RevocationChannel, type RevocationHandlers } from './revocation-channel.js';

export type { RevocationChannel, RevocationHandlers } from './revocation-channel.js';

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
  let subscribedBefore = false;
  sub.on('ready', () => {
    sub.subscribe(channel).catch(() => undefined);
    if (subscribedBefore) on.resync?.();
    subscribedBefore = true;
  });
  sub.on('message', (_channel: string, message: string) => dispatchMessage(message, on));
  sub.connect().catch(() => undefined);
  const send = (message: string) => { redis.publish(channel, message).catch(() => undefined); };
  return {
    publish(sid, at) {
      send(revokedMessage(sid, at));
    },
    publishUserChange(uid) {
      send(userChangedMessage(uid));
    },
    close() {
      sub.disconnect();
    },
  };
}
