import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefreshTokenReused } from '../../../src/core/errors.js';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { coreUser } from '../../support/users-fixtures.js';
import { eventsOf } from '../../support/audit.js';

/** Ending a session reports it once: ending it again (a second logout, revocation or reuse) writes no second event. */
describe.each(DIALECTS)('session end events, once per session (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect); });
  afterAll(async () => { await s.close(); });

  const open = async (email: string) => {
    const user = await coreUser(s, email);
    return { user, tokens: await s.container.sessions.startSession(user) };
  };
  const typesOf = async (userId: string) => (await eventsOf(s, userId)).map((e) => e.type).filter((t) => !t.startsWith('user.') && t !== 'login.succeeded');

  it('a second logout of the same session writes no second logout event', async () => {
    const { user, tokens } = await open('gareth@camelot.bt');
    const principal = { sid: tokens.sid, userId: user.id };
    await s.container.sessions.logout(principal);
    await s.container.sessions.logout(principal);
    expect(await typesOf(user.id)).toEqual(['logout']);
  });

  it('a second revocation of the same session writes no second session.revoked; nor one after its logout', async () => {
    const { user, tokens } = await open('gaheris@camelot.bt');
    const by = { reason: 'token_revocation' };
    await s.container.sessions.revokeSession(tokens.sid, user.id, by);
    await s.container.sessions.revokeSession(tokens.sid, user.id, by);
    expect(await s.container.sessions.endOwnedSession(user.id, tokens.sid, { reason: 'user' })).toBe(false);
    const other = await s.container.sessions.startSession(user);
    await s.container.sessions.logout({ sid: other.sid, userId: user.id });
    await s.container.sessions.revokeSession(other.sid, user.id, by);
    expect(await typesOf(user.id)).toEqual(['session.revoked', 'logout']);
  });

  it('concurrent reuses of a spent refresh token report refresh.reuse_detected once', async () => {
    const { user, tokens } = await open('agravain@camelot.bt');
    await s.container.sessions.refresh(tokens.refreshToken!);
    const tries = await Promise.allSettled([1, 2, 3].map(() => s.container.sessions.refresh(tokens.refreshToken!)));
    expect(tries.some((t) => t.status === 'rejected' && t.reason instanceof RefreshTokenReused)).toBe(true);
    expect(await typesOf(user.id)).toEqual(['refresh.reuse_detected']);
  });
});
