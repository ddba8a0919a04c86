import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, readOutbox, startServer, type TestServer } from '../support/harness.js';
import { heldVerification } from '../support/held-hasher.js';
import { adminToken, bearer, login, register } from '../support/users-client.js';
import { claimsOf } from '../support/faces-client.js';
import { meStatus, passwordGrant, refreshGrant } from '../http/oauth2/oauth-client.js';

const NEW_PASSWORD = 'a brand new secret 9';

/**
 * A login whose password check ran before a password change, reset, deactivation or deletion,
 * and whose session would be written after it, must not open a session that outlives the change.
 * The login is held (deterministically) right after its password check while the change runs.
 */
describe.each(DIALECTS)('a login racing a change of credentials opens no session (%s)', (dialect) => {
  let s: TestServer;
  let admin: string;
  const held = heldVerification();
  beforeAll(async () => {
    s = await startServer(dialect, {}, { wrapHasher: held.wrap });
    admin = await adminToken(s.app, s.container.users);
  });
  afterAll(async () => { await s.close(); });

  const liveSessions = async (userId: string) => (await s.container.db.selectFrom('sessions').select('id')
    .where('user_id', '=', userId).where('revoked_at', 'is', null).execute()).map((r) => r.id);

  /** Starts a login, holds it after its password check, runs `change`, then lets the login finish. */
  async function raceLogin(email: string, change: () => Promise<void>) {
    const reached = held.arm();
    const pending = s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload: { username: email, password: 'correct horse battery' } });
    await reached;
    await change();
    held.release();
    return pending;
  }

  function expectBadCredentials(res: { statusCode: number; json(): unknown }) {
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: 'LOGIN_BAD_CREDENTIALS' });
  }

  it('a password change by the user: the raced login fails, only the session that changed it lives', async () => {
    const u = await register(s.app, 'lancelot@camelot.bt');
    const own = await login(s.app, 'lancelot@camelot.bt');
    const res = await raceLogin('lancelot@camelot.bt', async () => {
      const patch = await s.app.inject({ method: 'PATCH', url: '/users/me', headers: bearer(own.access_token), payload: { password: NEW_PASSWORD } });
      expect(patch.statusCode).toBe(200);
    });
    expectBadCredentials(res);
    expect(await liveSessions(u.id)).toEqual([claimsOf(own.access_token).sid]);
    // The session that changed the password keeps refreshing (it moved to the new credentials).
    expect((await refreshGrant(s.app, own.refresh_token)).statusCode).toBe(200);
    await login(s.app, 'lancelot@camelot.bt', NEW_PASSWORD);
  });

  it('a password reset: the raced login fails and no session lives', async () => {
    const u = await register(s.app, 'guinevere@camelot.bt');
    expect((await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: 'guinevere@camelot.bt' } })).statusCode).toBe(202);
    const [mail] = await readOutbox(s.outbox);
    const res = await raceLogin('guinevere@camelot.bt', async () => {
      const reset = await s.app.inject({ method: 'POST', url: '/auth/reset-password', payload: { token: mail!.token, password: NEW_PASSWORD } });
      expect(reset.statusCode).toBe(200);
    });
    expectBadCredentials(res);
    expect(await liveSessions(u.id)).toEqual([]);
  });

  it('a deactivation by an admin: the raced login fails and no session lives', async () => {
    const u = await register(s.app, 'mordred@camelot.bt');
    const res = await raceLogin('mordred@camelot.bt', async () => {
      const patch = await s.app.inject({ method: 'PATCH', url: `/users/${u.id}`, headers: bearer(admin), payload: { is_active: false } });
      expect(patch.statusCode).toBe(200);
    });
    expectBadCredentials(res);
    expect(await liveSessions(u.id)).toEqual([]);
  });

  it('a deletion by an admin: the raced login fails and no session lives', async () => {
    const u = await register(s.app, 'agravain@camelot.bt');
    const res = await raceLogin('agravain@camelot.bt', async () => {
      expect((await s.app.inject({ method: 'DELETE', url: `/users/${u.id}`, headers: bearer(admin) })).statusCode).toBe(204);
    });
    expectBadCredentials(res);
    expect(await liveSessions(u.id)).toEqual([]);
  });

  it('a login with no change in between still succeeds', async () => {
    await register(s.app, 'gareth@camelot.bt');
    const res = await raceLogin('gareth@camelot.bt', async () => {});
    expect(res.statusCode).toBe(200);
  });

  it('a session opened before the password last changed cannot refresh, even if ending it never ran', async () => {
    const u = await register(s.app, 'gaheris@camelot.bt');
    const t = await passwordGrant(s.app, 'gaheris@camelot.bt');
    // A new hash written under the services (another writer, or an instance stopped before it ended the sessions).
    await s.container.repos.users.update(u.id, { passwordHash: (await s.container.users.get(u.id)).passwordHash });
    const res = await refreshGrant(s.app, t.refresh_token);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_grant');
    // The refused refresh ended the session.
    expect(await meStatus(s.app, t.access_token)).toBe(401);
  });
});
