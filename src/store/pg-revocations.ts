import { sql } from 'kysely';
import type { Client } from 'pg';
import type { Db } from './create-db.js';
import { dispatchMessage, revokedMessage, userChangedMessage, type RevocationChannel, type RevocationHandlers } from './revocation-channel.js';

export interface PgChannelOptions {
  /** The database URL: the listening connection is opened outside the pool. */
  url: string;
  /** The pool, which sends the notifications. */
  db: Db;
  channel: string;
  /** The listening connection failed or was lost (it is reopened, with back-off). */
  onError?: (err: unknown) => void;
}

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * Ended sessions and changed users announced with PostgreSQL NOTIFY, for instances that share a
 * PostgreSQL database and no Redis: each instance keeps one connection of its own LISTENing (a
 * listening connection cannot go back to the pool), reopened with back-off whenever it is lost,
 * followed by a read of the database for whatever was announced meanwhile. Notifications are sent
 * through the pool after the revoking statement committed. Best effort, as over Redis: the poll
 * remains the bound.
 */
export async function connectPgRevocationChannel(opts: PgChannelOptions, on: RevocationHandlers): Promise<RevocationChannel> {
  const { default: pg } = await import('pg');
  const quoted = `"${opts.channel.replace(/"/g, '""')}"`;
  let current: Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delay = RETRY_MIN_MS;
  let listenedBefore = false;
  let closed = false;

  const schedule = () => {
    if (closed || retry) return;
    retry = setTimeout(() => { retry = undefined; void listen(); }, delay);
    retry.unref();
    delay = Math.min(delay * 2, RETRY_MAX_MS);
  };

  async function listen(): Promise<void> {
    const c = new pg.Client({ connectionString: opts.url, keepAlive: true, connectionTimeoutMillis: 5_000, application_name: 'tessera-revocations' });
    current = c;
    // A lost connection emits 'error' then 'end'; only the current connection's end starts a retry.
    c.on('error', (err) => opts.onError?.(err));
    c.on('end', () => { if (current === c) schedule(); });
    c.on('notification', (n) => { if (n.channel === opts.channel && n.payload) dispatchMessage(n.payload, on); });
    try {
      await c.connect();
      await c.query(`LISTEN ${quoted}`);
      delay = RETRY_MIN_MS;
      if (listenedBefore) on.resync?.();
      listenedBefore = true;
    } catch (err) {
      opts.onError?.(err);
      c.end().catch(() => undefined);
      schedule();
    }
  }

  const send = (message: string) => {
    sql`select pg_notify(${opts.channel}, ${message})`.execute(opts.db).catch(() => undefined);
  };
  // The first attempt is awaited so an instance is listening once it is ready; a failure does not
  // stop the start (the poll covers until the retry succeeds).
  await listen();
  return {
    publish(sid, at) {
      send(revokedMessage(sid, at));
    },
    publishUserChange(uid) {
      send(userChangedMessage(uid));
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = current;
      current = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
