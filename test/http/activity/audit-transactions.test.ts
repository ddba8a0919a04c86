import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, readOutbox, startServer, type TestServer } from '../../support/harness.js';
import { deliveriesOf, eventsOf, failAuditWrites } from '../../support/audit.js';
import { enrollTotp, totpCode } from '../../support/mfa-client.js';
import { ORIGIN, registrationOptions } from '../../support/passkey-client.js';
import { SoftAuthenticator } from '../../support/soft-authenticator.js';
import { PASSWORD, auth, coreUser, jwtLogin, superuser } from '../../support/users-fixtures.js';
import { meStatus, passwordGrant, refreshGrant, revoke } from '../oauth2/oauth-client.js';

/**
 * Events that report a change are written in the change's transaction, with the webhook deliveries
 * they feed: an event that cannot be written rolls the change back (a database failure, 503), and
 * one that was written has its deliveries queued by the time the request returns.
 */
describe.each(DIALECTS)('audit events commit with their change (%s)', (dialect) => {
  let s: TestServer;
  let admin: string;
  let mails = 0;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' }, { webhooks: { autoStart: false } });
    admin = (await superuser(s)).token;
  });
  afterAll(async () => { await s.close(); });

  /** Runs `act` while no audit event can be written; its answer. */
  async function whileAuditFails<T>(act: () => Promise<T>): Promise<T> {
    const restore = await failAuditWrites(s);
    try {
      return await act();
    } finally {
      await restore();
    }
  }
  const me = (token: string) => s.app.inject({ url: '/users/me', headers: auth(token) });
  /** The token of the next mail in the outbox (mail goes after the response). */
  const mailedToken = async () => (await readOutbox(s.outbox, ++mails))[mails - 1]!.token;

  it('registration: no user without its user.registered event', async () => {
    const res = await whileAuditFails(() => s.app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'lost@camelot.bt', password: PASSWORD } }));
    expect(res.statusCode).toBe(503);
    expect(await s.container.users.findByEmail('lost@camelot.bt')).toBeUndefined();
    expect((await s.app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'lost@camelot.bt', password: PASSWORD } })).statusCode).toBe(201);
  });

  it('updates: an admin\'s email change and a password change stay undone, the sessions they would end live on', async () => {
    const u = await coreUser(s, 'kay@camelot.bt');
    const own = (await jwtLogin(s, 'kay@camelot.bt')).access_token;
    const res = await whileAuditFails(() => s.app.inject({ method: 'PATCH', url: `/users/${u.id}`, headers: auth(admin), payload: { email: 'sir.kay@camelot.bt', password: 'another long password' } }));
    expect(res.statusCode).toBe(503);
    expect((await s.container.users.get(u.id)).email).toBe('kay@camelot.bt');
    expect((await me(own)).statusCode).toBe(200);
    await jwtLogin(s, 'kay@camelot.bt');
    const self = await whileAuditFails(() => s.app.inject({ method: 'PATCH', url: '/users/me', headers: auth(own), payload: { password: 'another long password' } }));
    expect(self.statusCode).toBe(503);
    await jwtLogin(s, 'kay@camelot.bt');
  });

  it('deletion: the user, and its sessions, stay', async () => {
    const u = await coreUser(s, 'mordred@camelot.bt');
    const own = (await jwtLogin(s, 'mordred@camelot.bt')).access_token;
    const res = await whileAuditFails(() => s.app.inject({ method: 'DELETE', url: `/users/${u.id}`, headers: auth(admin) }));
    expect(res.statusCode).toBe(503);
    expect((await s.container.users.get(u.id)).isActive).toBe(true);
    expect((await me(own)).statusCode).toBe(200);
  });

  it('email verification and password reset: not done, and the mailed token still works afterwards', async () => {
    const u = await coreUser(s, 'bedivere@camelot.bt');
    const own = (await jwtLogin(s, 'bedivere@camelot.bt')).access_token;
    await s.app.inject({ method: 'POST', url: '/auth/request-verify-token', payload: { email: 'bedivere@camelot.bt' } });
    const verifyToken = await mailedToken();
    expect((await whileAuditFails(() => s.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: verifyToken } }))).statusCode).toBe(503);
    expect((await s.container.users.get(u.id)).isVerified).toBe(false);
    expect((await s.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: verifyToken } })).statusCode).toBe(200);

    await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: 'bedivere@camelot.bt' } });
    const resetToken = await mailedToken();
    const reset = { method: 'POST' as const, url: '/auth/reset-password', payload: { token: resetToken, password: 'a brand new password' } };
    expect((await whileAuditFails(() => s.app.inject(reset))).statusCode).toBe(503);
    expect((await me(own)).statusCode).toBe(200);
    await jwtLogin(s, 'bedivere@camelot.bt');
    expect((await s.app.inject(reset)).statusCode).toBe(200);
    expect((await me(own)).statusCode).toBe(401);
  });

  it('a token request whose event cannot be written mails nothing', async () => {
    await coreUser(s, 'lamorak@camelot.bt');
    await whileAuditFails(async () => {
      const res = await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: 'lamorak@camelot.bt' } });
      expect(res.statusCode).toBe(202);
      await s.container.accountTokens.drain();
    });
    expect(await readOutbox(s.outbox, mails + 1, 200)).toHaveLength(mails);
  });

  it('ending sessions: logout, the sessions API and token revocation leave the session live, its tokens working', async () => {
    await coreUser(s, 'gawain@camelot.bt');
    const token = (await jwtLogin(s, 'gawain@camelot.bt')).access_token;
    expect((await whileAuditFails(() => s.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: auth(token) }))).statusCode).toBe(503);
    expect((await me(token)).statusCode).toBe(200);
    const [session] = (await s.app.inject({ url: '/users/me/sessions', headers: auth(token) })).json() as { id: string }[];
    expect((await whileAuditFails(() => s.app.inject({ method: 'DELETE', url: `/users/me/sessions/${session!.id}`, headers: auth(token) }))).statusCode).toBe(503);
    expect((await me(token)).statusCode).toBe(200);
    const grant = await passwordGrant(s.app, 'gawain@camelot.bt');
    expect((await whileAuditFails(() => revoke(s.app, grant.access_token, grant.refresh_token))).statusCode).toBe(503);
    expect(await meStatus(s.app, grant.access_token)).toBe(200);
    expect((await refreshGrant(s.app, grant.refresh_token)).statusCode).toBe(200);
  });

  it('second factors: a TOTP confirmation and a passkey registration leave no factor and no flag', async () => {
    const u = await coreUser(s, 'percival@camelot.bt');
    const token = (await jwtLogin(s, 'percival@camelot.bt')).access_token;
    const { secret } = await enrollTotp(s, token);
    const confirm = () => s.app.inject({ method: 'POST', url: '/auth/mfa/totp/confirm', headers: auth(token), payload: { code: totpCode(secret, Date.now()) } });
    expect((await whileAuditFails(confirm)).statusCode).toBe(503);
    expect((await s.app.inject({ url: '/auth/mfa', headers: auth(token) })).json()).toMatchObject({ totp: false });
    expect((await s.container.users.get(u.id)).mfaEnabled).toBe(false);

    const key = new SoftAuthenticator(ORIGIN);
    const credential = key.create(await registrationOptions(s, token));
    const register = await whileAuditFails(() => s.app.inject({ method: 'POST', url: '/auth/webauthn/register/verify', headers: auth(token), payload: { credential } }));
    expect(register.statusCode).toBe(503);
    expect((await s.app.inject({ url: '/auth/webauthn/credentials', headers: auth(token) })).json()).toEqual([]);
    expect((await s.container.users.get(u.id)).mfaEnabled).toBe(false);
    expect((await confirm()).statusCode).toBe(200);
    expect((await s.container.users.get(u.id)).mfaEnabled).toBe(true);
  });

  it('with an endpoint subscribed, each event and its delivery are stored when the request returns', async () => {
    const hook = await s.app.inject({ method: 'POST', url: '/webhooks', headers: auth(admin), payload: { url: 'http://127.0.0.1:9/hook', events: ['*'] } });
    expect(hook.statusCode).toBe(201);
    await s.container.webhookOutbox.refresh();
    const reg = await s.app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'galahad@camelot.bt', password: PASSWORD } });
    const id = (reg.json() as { id: string }).id;
    const token = (await jwtLogin(s, 'galahad@camelot.bt')).access_token;
    await s.app.inject({ method: 'PATCH', url: '/users/me', headers: auth(token), payload: { password: 'the holy grail, found' } });
    await s.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: auth(token) });
    await s.app.inject({ method: 'DELETE', url: `/users/${id}`, headers: auth(admin) });
    const events = await eventsOf(s, id);
    expect(events.map((e) => e.type)).toEqual(['user.registered', 'login.succeeded', 'password.changed', 'logout', 'user.deleted']);
    for (const e of events) expect(await deliveriesOf(s, e.id)).toBe(1);
  });
});
