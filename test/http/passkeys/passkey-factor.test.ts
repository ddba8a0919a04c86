import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebAuthnInvalid } from '../../../src/core/errors.js';
import { createPasskeyService, type PasskeyService } from '../../../src/core/mfa/passkeys.js';
import { relyingParty } from '../../../src/core/mfa/passkeys-relying-party.js';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { ORIGIN } from '../../support/passkey-client.js';
import { SoftAuthenticator } from '../../support/soft-authenticator.js';
import { coreUser } from '../../support/users-fixtures.js';

/** The passkey service as the mfa flow and the audit log see it, on the real repositories of each dialect. */
describe.each(DIALECTS)('passkeys as a second factor, and their audit events (%s)', (dialect) => {
  let s: TestServer;
  let service: PasskeyService;
  let skew = 0;
  const events: { type: string; userId: string | null; detail?: Record<string, unknown>; ip?: string | null }[] = [];
  const changed: string[] = [];
  let alice: string;
  let bob: string;
  const aliceKey = new SoftAuthenticator(ORIGIN);
  const bobKey = new SoftAuthenticator(ORIGIN);

  const enrol = async (userId: string, key: SoftAuthenticator) => {
    const caller = { userId, sid: randomUUID(), fresh: true };
    return service.register(caller, key.create(await service.registrationOptions(caller)), 'Key', { face: 'users', ip: '192.0.2.1' });
  };

  beforeAll(async () => {
    s = await startServer(dialect);
    const c = s.container;
    service = createPasskeyService({
      repos: c.repos, sessions: c.sessions, requireVerified: false, now: () => Date.now() + skew,
      rp: relyingParty(c.publicUrl, c.config.corsOrigins),
      // Events seen as they are recorded (failures) or prepared for a change's transaction (the real log writes those).
      audit: {
        record: async (e, ctx) => { events.push({ ...e, ...(ctx?.ip !== undefined ? { ip: ctx.ip } : {}) }); },
        prepare: (e, ctx) => { events.push({ ...e, ...(ctx?.ip !== undefined ? { ip: ctx.ip } : {}) }); return c.audit.prepare(e, ctx); },
      },
      onFactorsChanged: async (id) => { changed.push(id); },
    });
    alice = (await coreUser(s, 'alice@camelot.bt')).id;
    bob = (await coreUser(s, 'bob@camelot.bt')).id;
    await enrol(alice, aliceKey);
    await enrol(bob, bobKey);
  });
  afterAll(async () => { await s.close(); });
  beforeEach(() => { events.length = 0; changed.length = 0; });

  it('enrolment records mfa.enrolled (method webauthn) and reports the changed factors', async () => {
    const key = new SoftAuthenticator(ORIGIN);
    await enrol(alice, key);
    expect(events).toEqual([{ type: 'mfa.enrolled', userId: alice, detail: { method: 'webauthn' }, ip: '192.0.2.1' }]);
    expect(changed).toEqual([alice]);
    await service.remove({ userId: alice, sid: 'x', fresh: true }, key.credentials[0]!.id);
    expect(events.map((e) => e.type)).toEqual(['mfa.enrolled', 'mfa.removed']);
    expect(changed).toEqual([alice, alice]);
  });

  it('count, options and verify: the user\'s own passkey passes, once', async () => {
    expect(await service.count(alice)).toBe(1);
    const flow = randomUUID();
    const options = await service.options(alice, flow) as { allowCredentials: { id: string }[]; userVerification: string };
    expect(options.allowCredentials.map((c) => c.id)).toEqual([aliceKey.credentials[0]!.id]);
    expect(options.userVerification).toBe('required');
    const response = aliceKey.get(options);
    expect(await service.verify(alice, flow, response)).toBe(true);
    expect(await service.verify(alice, flow, response)).toBe(false);
    // The second step records the failure (second-step.ts), not the factor: one event per wrong answer.
    expect(events).toEqual([]);
  });

  it('another user\'s passkey does not pass, even over this user\'s challenge', async () => {
    const flow = randomUUID();
    const options = await service.options(alice, flow);
    expect(await service.verify(alice, flow, bobKey.get(options, { credentialId: bobKey.credentials[0]!.id }))).toBe(false);
    expect(events).toEqual([]);
    // Nor is alice's flow Bob's to spend.
    const flow2 = randomUUID();
    const options2 = await service.options(alice, flow2);
    expect(await service.verify(bob, flow2, bobKey.get(options2, { credentialId: bobKey.credentials[0]!.id }))).toBe(false);
    expect(await service.verify(alice, flow2, aliceKey.get(options2))).toBe(true);
  });

  it('a new options call for the same flow replaces its challenge; a challenge expires after five minutes', async () => {
    const flow = randomUUID();
    const first = await service.options(alice, flow);
    await service.options(alice, flow);
    expect(await service.verify(alice, flow, aliceKey.get(first))).toBe(false);
    // The replacing challenge is the one that verifies (a wrong answer spends a flow's challenge: a fresh flow here).
    const replaced = randomUUID();
    await service.options(alice, replaced);
    const second = await service.options(alice, replaced);
    expect(await service.verify(alice, replaced, aliceKey.get(second))).toBe(true);
    const flow2 = randomUUID();
    const late = await service.options(alice, flow2);
    skew += 5 * 60_000 + 1;
    expect(await service.verify(alice, flow2, aliceKey.get(late))).toBe(false);
  });

  it('verify answers false for garbage', async () => {
    const flow = randomUUID();
    await service.options(alice, flow);
    for (const junk of [null, 'x', 42, {}, { id: 'abc', response: {} }]) expect(await service.verify(alice, flow, junk)).toBe(false);
  });

  it('a failed passwordless login of a known user records mfa.failed; one naming nobody records nothing', async () => {
    const { flowId, options } = await service.loginOptions();
    await expect(service.login(flowId, aliceKey.get(options, { uv: false }))).rejects.toBeInstanceOf(WebAuthnInvalid);
    expect(events).toEqual([{ type: 'mfa.failed', userId: alice, detail: { method: 'webauthn' } }]);
    const next = await service.loginOptions();
    await expect(service.login(next.flowId, { ...aliceKey.get(next.options), id: 'AAAA', rawId: 'AAAA' })).rejects.toBeInstanceOf(WebAuthnInvalid);
    expect(events).toHaveLength(1);
    // A flow naming a user: another user's passkey is a failure of the named user; an unknown name records nothing.
    const named = await service.loginOptions('alice@camelot.bt');
    await expect(service.login(named.flowId, bobKey.get(named.options, { credentialId: bobKey.credentials[0]!.id }))).rejects.toBeInstanceOf(WebAuthnInvalid);
    const unknown = await service.loginOptions('nobody@camelot.bt');
    await expect(service.login(unknown.flowId, aliceKey.get(unknown.options))).rejects.toBeInstanceOf(WebAuthnInvalid);
    expect(events.slice(1)).toEqual([{ type: 'mfa.failed', userId: alice, detail: { method: 'webauthn' } }]);
  });

  it('removeAll removes every passkey of the user in the caller\'s transaction (the caller owns the second-factor flag)', async () => {
    await enrol(bob, new SoftAuthenticator(ORIGIN));
    changed.length = 0;
    expect(await service.count(bob)).toBe(2);
    await expect(s.container.repos.transaction(async (tx) => { await service.removeAll(bob, tx); throw new Error('rolled back'); })).rejects.toThrow('rolled back');
    expect(await service.count(bob)).toBe(2);
    expect(await s.container.repos.transaction((tx) => service.removeAll(bob, tx))).toBe(2);
    expect(await service.count(bob)).toBe(0);
    expect(changed).toEqual([]);
    expect(await service.count(alice)).toBe(1);
  });

  it('a deleted user\'s passkeys go with the user', async () => {
    const carol = (await coreUser(s, 'carol@camelot.bt')).id;
    await enrol(carol, new SoftAuthenticator(ORIGIN));
    await s.container.users.delete(carol);
    expect(await service.count(carol)).toBe(0);
  });
});
