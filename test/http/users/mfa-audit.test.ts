import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MfaAudit, MfaClientContext } from '../../../src/core/mfa/audit-port.js';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { mfaChallenge, setUpTotp, totpCode, verify, wrongCode } from '../../support/mfa-client.js';
import { auth, coreUser, jwtLogin, superuser } from '../../support/users-fixtures.js';

const STEP = 30_000;

describe.each(DIALECTS)('MFA security events (%s)', (dialect) => {
  let s: TestServer;
  let clock = Math.floor(Date.now() / STEP) * STEP + STEP / 2;
  const events: Array<{ type: string; userId: string | null; detail?: Record<string, unknown>; ctx?: MfaClientContext }> = [];
  const audit: MfaAudit = { record: async (e, ctx) => { events.push({ ...e, ...(ctx ? { ctx } : {}) }); } };
  beforeAll(async () => { s = await startServer(dialect, {}, { now: () => clock, audit }); });
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
    const { token: admin, user: merlin } = await superuser(s, 'merlin@camelot.bt');
    await s.app.inject({ method: 'DELETE', url: `/users/${user.id}/mfa`, headers: auth(admin) });

    const mine = events.filter((e) => e.userId === user.id);
    expect(mine.map((e) => [e.type, e.detail])).toEqual([
      ['mfa.enrolled', { method: 'totp' }],
      ['login.mfa_required', undefined],
      ['mfa.failed', { method: 'totp' }],
      ['mfa.removed', { method: 'totp' }],
      ['mfa.removed', { method: 'all', by_admin: true }],
    ]);
    expect(mine[1]!.ctx).toMatchObject({ face: 'users' });
    expect(mine[4]!.ctx).toMatchObject({ actorId: merlin.id });
    const text = JSON.stringify(events);
    for (const secretText of [secret, mfa_token, ...recoveryCodes]) expect(text).not.toContain(secretText);
  });
});
