import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/http/logger.js';
import { DIALECTS, PG_URL, freshDb, startServer, type TestDb, type TestServer } from '../support/harness.js';
import { adminToken, bearer, login, register } from '../support/users-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls /users/me on `server` until it is no longer 200 or `withinMs` passed; the last status. */
async function meStatusWithin(server: TestServer, accessToken: string, withinMs: number): Promise<number> {
  const deadline = Date.now() + withinMs;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    await sleep(25);
    status = (await server.app.inject({ url: '/users/me', headers: bearer(accessToken) })).statusCode;
  }
  return status;
}

/** A logger whose lines the test can read. */
function capturedLogger() {
  const lines: string[] = [];
  return { logger: createLogger('warn', { write: (line: string) => { lines.push(line); } }), lines };
}

describe.each(DIALECTS)('an instance whose clock is behind (%s)', (dialect) => {
  let db: TestDb;
  let a: TestServer;
  let skewed: TestServer;
  const skewedLog = capturedLogger();
  beforeAll(async () => {
    db = freshDb(dialect);
    // Announcements off: the poll alone must find the revocation.
    a = await startServer(dialect, {}, { db, announceRevocations: false });
    skewed = await startServer(dialect, {}, { db, announceRevocations: false, now: () => Date.now() - 10_000, logger: skewedLog.logger });
  });
  afterAll(async () => {
    await a.close();
    await skewed.close();
    await db.drop();
  });

  it('ends a session, and the other instance refuses its token at its next poll', async () => {
    await register(a.app, 'dagonet@camelot.bt');
    const { access_token } = await login(a.app, 'dagonet@camelot.bt');
    expect((await skewed.app.inject({ url: '/users/me', headers: bearer(access_token) })).statusCode).toBe(200);
    expect((await skewed.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: bearer(access_token) })).statusCode).toBe(204);
    // The poll runs every second; the skewed instance wrote revoked_at ten seconds in the past.
    expect(await meStatusWithin(a, access_token, 2500)).toBe(401);
  });

  it('is warned about at start on PostgreSQL (SQLite has no clock of its own to compare with)', () => {
    const warnings = skewedLog.lines.filter((l) => l.includes('clock'));
    if (dialect === 'postgres') {
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0]!).offsetMs).toBeGreaterThan(9_000);
    } else {
      expect(warnings).toEqual([]);
    }
  });
});

describe('PostgreSQL without Redis: revocations and user changes travel by LISTEN/NOTIFY', () => {
  // The poll is made slow so only the notification can explain a prompt refusal.
  const slowPoll = { revocationPollMs: 60_000 };
  let db: TestDb;
  let a: TestServer;
  let b: TestServer;
  let admin: string;
  beforeAll(async () => {
    db = freshDb('postgres');
    a = await startServer('postgres', {}, { db, ...slowPoll });
    b = await startServer('postgres', {}, { db, ...slowPoll });
    admin = await adminToken(a.app, a.container.users);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  it('a logout on one instance is refused by the other within milliseconds', async () => {
    await register(a.app, 'lionel@gaunes.bt');
    const { access_token } = await login(a.app, 'lionel@gaunes.bt');
    expect((await b.app.inject({ url: '/users/me', headers: bearer(access_token) })).statusCode).toBe(200);
    expect((await a.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: bearer(access_token) })).statusCode).toBe(204);
    const started = Date.now();
    expect(await meStatusWithin(b, access_token, 1500)).toBe(401);
    expect(Date.now() - started).toBeLessThan(300);
  });

  it('a deactivation on one instance is seen by the other at once: its token refused, its copy of the user dropped', async () => {
    const u = await register(a.app, 'bohort@gaunes.bt');
    const { access_token } = await login(a.app, 'bohort@gaunes.bt');
    expect((await b.app.inject({ url: '/users/me', headers: bearer(access_token) })).json().is_active).toBe(true);
    const patch = await a.app.inject({ method: 'PATCH', url: `/users/${u.id}`, headers: bearer(admin), payload: { is_active: false } });
    expect(patch.statusCode).toBe(200);
    const started = Date.now();
    expect(await meStatusWithin(b, access_token, 1500)).toBe(401);
    expect(Date.now() - started).toBeLessThan(300);
    // The admin's view on b shows the change too (b dropped its cached row).
    expect((await b.app.inject({ url: `/users/${u.id}`, headers: bearer(admin) })).json().is_active).toBe(false);
  });

  it('a lost listening connection is reopened, and what was announced meanwhile is read from the database', async () => {
    await register(a.app, 'blamore@gaunes.bt');
    const { access_token } = await login(a.app, 'blamore@gaunes.bt');
    expect((await b.app.inject({ url: '/users/me', headers: bearer(access_token) })).statusCode).toBe(200);
    // Cut both instances' listening connections (this test's schema only), as a server restart would.
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const listen = `LISTEN "${a.container.revocationChannelName}"`;
      expect(b.container.revocationChannelName).toBe(a.container.revocationChannelName);
      const { rows } = await client.query(`select pg_terminate_backend(pid) as cut from pg_stat_activity
        where application_name = 'tessera-revocations' and query = $1`, [listen]);
      expect(rows).toHaveLength(2);
    } finally {
      await client.end();
    }
    // Announced while b is not listening: lost, so b learns it when it reconnects (~0.5 s), not at its 60 s poll.
    expect((await a.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: bearer(access_token) })).statusCode).toBe(204);
    expect(await meStatusWithin(b, access_token, 5000)).toBe(401);
  });

  it('a user renamed on one instance shows renamed on the other before its cached copy expires', async () => {
    await register(a.app, 'ector@gaunes.bt');
    const { access_token } = await login(a.app, 'ector@gaunes.bt');
    expect((await b.app.inject({ url: '/users/me', headers: bearer(access_token) })).json().username).toBeNull();
    expect((await a.app.inject({ method: 'PATCH', url: '/users/me', headers: bearer(access_token), payload: { username: 'ector' } })).statusCode).toBe(200);
    const deadline = Date.now() + 1500;
    let username: unknown = null;
    while (username === null && Date.now() < deadline) {
      await sleep(25);
      username = (await b.app.inject({ url: '/users/me', headers: bearer(access_token) })).json().username;
    }
    expect(username).toBe('ector');
  });
});
