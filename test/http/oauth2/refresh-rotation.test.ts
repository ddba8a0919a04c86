import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { adminToken, bearer, login, register } from '../../support/users-client.js';
import { meStatus, passwordGrant, refreshGrant } from './oauth-client.js';
import { StoreUnavailable } from '../../../src/store/store-unavailable.js';

const N = 10;

describe.each(DIALECTS)('oauth2 refresh rotation and reuse detection (%s)', (dialect) => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startServer(dialect);
    admin = await adminToken(s.app, s.container.users);
  });
  afterAll(async () => { await s.close(); });

  it(`of ${N} parallel refreshes with one token at most one succeeds, and the race ends the session`, async () => {
    await register(s.app, 'gawain@camelot.bt');
    const t = await passwordGrant(s.app, 'gawain@camelot.bt');
    const results = await Promise.all(Array.from({ length: N }, () => refreshGrant(s.app, t.refresh_token)));
    const ok = results.filter((r) => r.statusCode === 200);
    expect(ok.length).toBeLessThanOrEqual(1);
    for (const r of results.filter((x) => x.statusCode !== 200)) {
      expect(r.statusCode).toBe(400);
      expect(r.json().error).toBe('invalid_grant');
    }
    // The losers presented a spent token: reuse detection ended the whole session,
    // so the original access token dies, and so does whatever the winner got.
    expect(await meStatus(s.app, t.access_token)).toBe(401);
    for (const winner of ok) {
      expect(await meStatus(s.app, winner.json().access_token)).toBe(401);
      expect((await refreshGrant(s.app, winner.json().refresh_token)).json().error).toBe('invalid_grant');
    }
    expect((await refreshGrant(s.app, t.refresh_token)).json().error).toBe('invalid_grant');
  });

  it('presenting a rotated token again ends the session: its successor and access tokens die', async () => {
    await register(s.app, 'bors@camelot.bt');
    const t = await passwordGrant(s.app, 'bors@camelot.bt');
    const r1 = await refreshGrant(s.app, t.refresh_token);
    expect(r1.statusCode).toBe(200);
    const next = r1.json();
    expect(await meStatus(s.app, next.access_token)).toBe(200);

    const replay = await refreshGrant(s.app, t.refresh_token);
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error).toBe('invalid_grant');
    expect(await meStatus(s.app, t.access_token)).toBe(401);
    expect(await meStatus(s.app, next.access_token)).toBe(401);
    expect((await refreshGrant(s.app, next.refresh_token)).json().error).toBe('invalid_grant');
  });

  it('a session is unaffected by reuse in another session of the same user', async () => {
    await register(s.app, 'kay@camelot.bt');
    const a = await passwordGrant(s.app, 'kay@camelot.bt');
    const b = await passwordGrant(s.app, 'kay@camelot.bt');
    await refreshGrant(s.app, a.refresh_token);
    await refreshGrant(s.app, a.refresh_token);
    expect(await meStatus(s.app, a.access_token)).toBe(401);
    expect(await meStatus(s.app, b.access_token)).toBe(200);
    expect((await refreshGrant(s.app, b.refresh_token)).statusCode).toBe(200);
  });

  it('a database failure while storing the successor answers 503 and leaves the presented token usable', async () => {
    await register(s.app, 'lionel@camelot.bt');
    const t = await passwordGrant(s.app, 'lionel@camelot.bt');
    const tokens = s.container.repos.refreshTokens;
    const insert = tokens.insert;
    tokens.insert = async () => { throw new StoreUnavailable(new Error('connection lost')); };
    try {
      const failed = await refreshGrant(s.app, t.refresh_token);
      expect(failed.statusCode).toBe(503);
    } finally {
      tokens.insert = insert;
    }
    // Nothing was decided: the retry rotates as if the first attempt never happened.
    const retry = await refreshGrant(s.app, t.refresh_token);
    expect(retry.statusCode).toBe(200);
    expect(await meStatus(s.app, retry.json().access_token)).toBe(200);
    expect((await refreshGrant(s.app, retry.json().refresh_token)).statusCode).toBe(200);
  });

  it('refresh fails once the user is deactivated by an admin', async () => {
    const u = await register(s.app, 'lamorak@camelot.bt');
    const t = await passwordGrant(s.app, 'lamorak@camelot.bt');
    const patch = await s.app.inject({ method: 'PATCH', url: `/users/${u.id}`, headers: bearer(admin), payload: { is_active: false } });
    expect(patch.statusCode).toBe(200);
    expect((await refreshGrant(s.app, t.refresh_token)).json().error).toBe('invalid_grant');
  });

  it('refresh fails when the user is inactive even if the session was never ended, and ends it', async () => {
    const u = await register(s.app, 'pellinore@camelot.bt');
    const t = await passwordGrant(s.app, 'pellinore@camelot.bt');
    // Flip the flag under the services, as another writer of the database could.
    await s.container.repos.users.update(u.id, { isActive: false });
    expect((await refreshGrant(s.app, t.refresh_token)).json().error).toBe('invalid_grant');
    await s.container.repos.users.update(u.id, { isActive: true });
    // The failed refresh ended the session: reactivation does not revive it.
    expect((await refreshGrant(s.app, t.refresh_token)).json().error).toBe('invalid_grant');
    expect(await meStatus(s.app, t.access_token)).toBe(401);
  });

  it('refresh fails once the user is deleted', async () => {
    const u = await register(s.app, 'tristan@camelot.bt');
    const t = await login(s.app, 'tristan@camelot.bt');
    expect((await s.app.inject({ method: 'DELETE', url: `/users/${u.id}`, headers: bearer(admin) })).statusCode).toBe(204);
    const res = await refreshGrant(s.app, t.refresh_token);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_grant');
  });

  it('a refresh after the user lost a scope no longer grants it', async () => {
    const u = await register(s.app, 'galahad@camelot.bt');
    await s.container.repos.users.update(u.id, { scopes: ['grail'] });
    const t = await passwordGrant(s.app, 'galahad@camelot.bt');
    expect(t.scope).toBe('me grail');
    await s.container.repos.users.update(u.id, { scopes: [] });
    const r = await refreshGrant(s.app, t.refresh_token);
    expect(r.json().scope).toBe('me');
  });
});

describe.each(DIALECTS)('oauth2 refresh token expiry (%s)', (dialect) => {
  let s: TestServer;
  let clock = Date.now();
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_REFRESH_TOKEN_TTL: '120' }, { now: () => clock }); });
  afterAll(async () => { await s.close(); });

  it('a refresh token is dead after its session lifetime, rotated or not', async () => {
    await register(s.app, 'dagonet@camelot.bt');
    const t = await passwordGrant(s.app, 'dagonet@camelot.bt');
    clock += 60_000;
    const r = await refreshGrant(s.app, t.refresh_token);
    expect(r.statusCode).toBe(200);
    clock += 61_000;
    expect((await refreshGrant(s.app, r.json().refresh_token)).json().error).toBe('invalid_grant');
  });
});
