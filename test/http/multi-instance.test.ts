import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDb, startServer, type TestDb, type TestServer } from '../support/harness.js';
import { bearer, login, register } from '../support/users-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DIALECTS)('two instances on one database act as one server (%s)', (dialect) => {
  let db: TestDb;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    db = freshDb(dialect);
    a = await startServer(dialect, {}, { db });
    b = await startServer(dialect, {}, { db });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  it('shares signing keys: a token from one instance works on the other', async () => {
    await register(a.app, 'percival@camelot.bt');
    const { access_token } = await login(a.app, 'percival@camelot.bt');
    const me = await b.app.inject({ url: '/users/me', headers: bearer(access_token) });
    expect(me.statusCode).toBe(200);
    expect(me.json().email).toBe('percival@camelot.bt');
  });

  it('a logout on one instance is refused by the other within the poll bound', async () => {
    await register(a.app, 'gawain@camelot.bt');
    const { access_token } = await login(a.app, 'gawain@camelot.bt');
    expect((await b.app.inject({ url: '/users/me', headers: bearer(access_token) })).statusCode).toBe(200);
    const out = await a.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: bearer(access_token) });
    expect(out.statusCode).toBe(204);
    // Immediate on the instance that ended the session…
    expect((await a.app.inject({ url: '/users/me', headers: bearer(access_token) })).statusCode).toBe(401);
    // …and on the other once its next poll (every 1 s) has run.
    const deadline = Date.now() + 2500;
    let status = 200;
    while (Date.now() < deadline && status === 200) {
      await sleep(100);
      status = (await b.app.inject({ url: '/users/me', headers: bearer(access_token) })).statusCode;
    }
    expect(status).toBe(401);
  });

  it('a user deleted on one instance is refused everywhere', async () => {
    const u = await register(a.app, 'bors@camelot.bt');
    const { access_token } = await login(b.app, 'bors@camelot.bt');
    await a.container.users.delete(u.id);
    const res = await b.app.inject({ url: '/users/me', headers: bearer(access_token) });
    expect(res.statusCode).toBe(401);
  });
});

describe.each(DIALECTS)('revocations announced through Redis (%s)', (dialect) => {
  // The database poll is made slow here so only the Redis announcement can explain a prompt refusal.
  const slowPoll = { revocationPollMs: 60_000 };
  const withRedis = { TESSERA_REDIS_URL: process.env.TESSERA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' };

  async function pair(env: Record<string, string>) {
    const db = freshDb(dialect);
    const a = await startServer(dialect, env, { db, ...slowPoll });
    const b = await startServer(dialect, env, { db, ...slowPoll });
    return { a, b, close: async () => { await a.close(); await b.close(); await db.drop(); } };
  }

  async function statusAfterLogout(a: TestServer, b: TestServer, email: string): Promise<number> {
    await register(a.app, email);
    const { access_token } = await login(a.app, email);
    expect((await b.app.inject({ url: '/users/me', headers: bearer(access_token) })).statusCode).toBe(200);
    await a.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: bearer(access_token) });
    const deadline = Date.now() + 1500;
    let status = 200;
    while (Date.now() < deadline && status === 200) {
      await sleep(50);
      status = (await b.app.inject({ url: '/users/me', headers: bearer(access_token) })).statusCode;
    }
    return status;
  }

  /** The username instance b shows for a user renamed on instance a, after b has served that user once. */
  async function usernameAfterRename(a: TestServer, b: TestServer, email: string): Promise<unknown> {
    await register(a.app, email);
    const { access_token } = await login(a.app, email);
    expect((await b.app.inject({ url: '/users/me', headers: bearer(access_token) })).json().username).toBeNull();
    const renamed = await a.app.inject({ method: 'PATCH', url: '/users/me', headers: bearer(access_token), payload: { username: 'renamed' } });
    expect(renamed.statusCode).toBe(200);
    expect((await a.app.inject({ url: '/users/me', headers: bearer(access_token) })).json().username).toBe('renamed');
    const deadline = Date.now() + 1500;
    let username: unknown = null;
    while (Date.now() < deadline && username === null) {
      await sleep(50);
      username = (await b.app.inject({ url: '/users/me', headers: bearer(access_token) })).json().username;
    }
    return username;
  }

  const redisReady = async (p: { a: TestServer; b: TestServer }) => {
    const ready = Date.now() + 5000;
    while ([p.a, p.b].some((s) => s.container.redis?.status !== 'ready') && Date.now() < ready) await sleep(20);
    await sleep(200); // the subscriber connection subscribes once ready
  };

  it('with Redis, the other instance refuses the token long before its next poll', async () => {
    const p = await pair(withRedis);
    try {
      await redisReady(p);
      expect(await statusAfterLogout(p.a, p.b, 'tristan@lyonesse.bt')).toBe(401);
    } finally {
      await p.close();
    }
  });

  it('with Redis, a user changed on one instance is shown changed by the other at once, not when its copy expires', async () => {
    const p = await pair(withRedis);
    try {
      await redisReady(p);
      expect(await usernameAfterRename(p.a, p.b, 'mark@cornwall.bt')).toBe('renamed');
    } finally {
      await p.close();
    }
  });

  // PostgreSQL without Redis announces through LISTEN/NOTIFY (test/http/revocation-propagation.test.ts).
  it.runIf(dialect === 'sqlite')('without Redis, the same instance pair only learns at its poll, and keeps its copy of a user as long', async () => {
    const p = await pair({});
    try {
      expect(await statusAfterLogout(p.a, p.b, 'isolde@lyonesse.bt')).toBe(200);
      expect(await usernameAfterRename(p.a, p.b, 'brangaine@lyonesse.bt')).toBeNull();
    } finally {
      await p.close();
    }
  });
});
