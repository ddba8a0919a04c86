import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSuperuser } from '../../../src/core/bootstrap.js';
import { DIALECTS, freshDb, startServer, type TestDb, type TestServer } from '../../support/harness.js';
import { PASS, qs } from '../../support/faces-client.js';
import { PASSWORD, auth, coreUser, jwtLogin, sb } from '../../support/users-fixtures.js';

const LAST = { status: 400, body: { detail: 'LAST_SUPERUSER' } };
const BOOT = { email: 'root@camelot.bt', password: 'bootstrap password 1' };

describe.each(DIALECTS)('the last active superuser stays (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect); });
  afterAll(async () => { await s.close(); });

  const send = (token: string, method: 'PATCH' | 'DELETE', url: string, payload?: object) =>
    s.app.inject({ method, url, headers: auth(token), ...(payload ? { payload } : {}) });

  it('cannot demote, deactivate or delete itself, nor be by another admin once alone', async () => {
    const root = await coreUser(s, 'uther@camelot.bt', { isSuperuser: true, isVerified: true });
    const token = (await jwtLogin(s, 'uther@camelot.bt')).access_token;
    expect(sb(await send(token, 'PATCH', `/users/${root.id}`, { is_superuser: false }))).toEqual(LAST);
    expect(sb(await send(token, 'PATCH', `/users/${root.id}`, { is_active: false }))).toEqual(LAST);
    expect(sb(await send(token, 'DELETE', `/users/${root.id}`))).toEqual(LAST);
    expect(await s.container.users.get(root.id)).toMatchObject({ isSuperuser: true, isActive: true });
    // Other changes to the last superuser are fine.
    expect((await send(token, 'PATCH', `/users/${root.id}`, { username: 'Pendragon', is_superuser: true })).statusCode).toBe(200);

    // With a second superuser, one may go; then the other is the last.
    const second = await coreUser(s, 'igraine@camelot.bt', { isSuperuser: true, isVerified: true });
    const token2 = (await jwtLogin(s, 'igraine@camelot.bt')).access_token;
    expect((await send(token2, 'PATCH', `/users/${root.id}`, { is_superuser: false })).statusCode).toBe(200);
    expect(sb(await send(token2, 'DELETE', `/users/${second.id}`))).toEqual(LAST);
    expect(sb(await send(token2, 'PATCH', `/users/${second.id}`, { is_active: false }))).toEqual(LAST);
    // An inactive superuser does not count as another one.
    await coreUser(s, 'dormant@camelot.bt', { isSuperuser: true, isActive: false });
    expect(sb(await send(token2, 'PATCH', `/users/${second.id}`, { is_superuser: false }))).toEqual(LAST);
  });

  it('the simple face refuses DELETE /user of the last superuser with a 400 message', async () => {
    const db = freshDb(dialect);
    const solo = await startServer(dialect, {}, { db });
    try {
      await coreUser(solo, 'arthur@camelot.bt', { isSuperuser: true, isVerified: true, username: 'arthur', password: PASS });
      const token = (await solo.app.inject({ url: `/token?${qs({ user: 'arthur', pass: PASS })}` })).body;
      const res = await solo.app.inject({ method: 'DELETE', url: '/user', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: 'The last active superuser cannot be demoted, deactivated or deleted' });
    } finally {
      await solo.close();
      await db.drop();
    }
  });
});

describe.each(DIALECTS)('TESSERA_BOOTSTRAP_SUPERUSER_* at the first start only (%s)', (dialect) => {
  let db: TestDb;
  const env = { TESSERA_BOOTSTRAP_SUPERUSER_EMAIL: BOOT.email, TESSERA_BOOTSTRAP_SUPERUSER_PASSWORD: BOOT.password };
  /** A server start on the shared database, running the bootstrap as main.ts does. */
  async function start(): Promise<{ s: TestServer; created: boolean }> {
    const s = await startServer(dialect, env, { db });
    const { bootstrapSuperuserEmail: email, bootstrapSuperuserPassword: password } = s.container.config;
    return { s, created: await ensureSuperuser(s.container, email!, password!) };
  }
  beforeAll(() => { db = freshDb(dialect); });
  afterAll(async () => { await db.drop(); });

  it('creates it once; renamed or deleted later, it does not come back at a restart', async () => {
    const first = await start();
    expect(first.created).toBe(true);
    const token = (await jwtLogin(first.s, BOOT.email, BOOT.password)).access_token;
    const root = (await first.s.app.inject({ url: '/users/me', headers: auth(token) })).json() as { id: string };
    const renamed = await first.s.app.inject({ method: 'PATCH', url: '/users/me', headers: auth(token), payload: { email: 'king@camelot.bt' } });
    expect(renamed.statusCode).toBe(200);
    await first.s.close();

    const second = await start();
    expect(second.created).toBe(false);
    expect(await second.s.container.users.findByEmail(BOOT.email)).toBeUndefined();
    // Another admin takes over and deletes the renamed account; the next start still creates nothing.
    const heir = await coreUser(second.s, 'heir@camelot.bt', { isSuperuser: true, isVerified: true });
    const heirToken = (await jwtLogin(second.s, 'heir@camelot.bt')).access_token;
    expect((await second.s.app.inject({ method: 'DELETE', url: `/users/${root.id}`, headers: auth(heirToken) })).statusCode).toBe(204);
    await second.s.close();

    const third = await start();
    expect(third.created).toBe(false);
    expect(await third.s.container.users.findByEmail(BOOT.email)).toBeUndefined();
    expect((await third.s.container.users.list({ limit: 10, offset: 0 })).items.map((u) => u.id)).toEqual([heir.id]);
    await third.s.close();
  });

  it('a database that already has a superuser (made another way) never gets the bootstrap one', async () => {
    const other = freshDb(dialect);
    const s = await startServer(dialect, env, { db: other });
    try {
      await coreUser(s, 'cli-admin@camelot.bt', { isSuperuser: true, isVerified: true, password: PASSWORD });
      expect(await ensureSuperuser(s.container, BOOT.email, BOOT.password)).toBe(false);
      expect(await s.container.users.findByEmail(BOOT.email)).toBeUndefined();
    } finally {
      await s.close();
      await other.drop();
    }
  });
});
