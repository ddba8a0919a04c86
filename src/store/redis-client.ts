import type { Redis } from 'ioredis';

/**
 * A Redis client that never makes a request wait for Redis: commands fail at
 * once while disconnected (no offline queue, no retries) or after a short
 * timeout, and callers fall back to memory. It keeps reconnecting in the
 * background and is used again as soon as it is back. ioredis is loaded only
 * when Redis is configured (it adds ~70 ms to start-up).
 */
export async function createRedisClient(url: string, onError: (err: Error) => void): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(100 * times, 2_000),
  });
  redis.on('error', onError);
  redis.connect().catch(() => { /* reported through 'error'; reconnects by retryStrategy */ });
  return redis;
}
