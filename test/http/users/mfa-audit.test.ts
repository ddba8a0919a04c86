import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { eventsOf, rawEventRows } from '../../support/audit.js';
import { mfaChallenge, setUpTotp, totpCode, verify, wrongCode } from '../../support/mfa-client.js';
import { auth, coreUser, jwtLogin, superuser } from '../../support/users-fixtures.js';

const STEP = 30_000;

describe.each(DIALECTS)('MFA security events (%s)', (dialect) => {
  let s: TestServer;
  let clock = Math.floor(Date.now() / STEP) * STEP + STEP / 2;
  beforeAll(async () => { s = await startServer(dialect, {}, { now: () => clock }); });
  afterAll(async () => { await s.close(); });

  it('records enrolment, the required second step, failures and removals, never a code or token', async () => {
    const user = await coreUser(s, 'yvain@camelot.bt');
    const { access_token } = await jwtLogin(s, 'yvain@camelot.bt');
    const { secret, recoveryCodes } = await setUpTotp(s, access_token, clock);
    clock += STEP;
    const { mfa_token } = await mfaChallenge(s, 'yvain@camelot.bt');
    await verify(s, { mfa_token, code: wrongCode(totpCode(secret, clock)) });
    await verify(s, { mfa_token, code: totpCode(secret, clock) });
    await s.app.inject({ method: 'DELETE', url: '/auth/mfa/totp', headers: auth(access_token) });
    clock += STEP;
    const again = await setUpTotp(s, access_token, clock);
    clock += STEP;
    const { token: admin, user: merlin } = await superuser(s, 'merlin@camelot.bt');
    await s.app.inject({ method: 'DELETE', url: `/users/${user.id}/mfa`, headers: auth(admin) });

    const mine = (await eventsOf(s, user.id)).filter((e) => e.type.startsWith('mfa.') || e.type === 'login.mfa_required');
    expect(mine.map((e) => [e.type, e.detail])).toEqual([
      ['mfa.enrolled', { method: 'totp' }],
      ['login.mfa_required', {}],
      ['mfa.failed', { method: 'totp' }],
      ['mfa.removed', { method: 'totp' }],
      ['mfa.enrolled', { method: 'totp' }],
      ['mfa.removed', { method: 'all', by_admin: true }],
    ]);
    expect(mine[1]).toMatchObject({ face: 'users' });
    expect(mine[5]).toMatchObject({ actor_id: merlin.id });
    const text = await rawEventRows(s);
    for (const secretText of [secret, again.secret, mfa_token, ...recoveryCodes, ...again.recoveryCodes]) expect(text).not.toContain(secretText);
  });
});
