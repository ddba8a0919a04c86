import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepos, type PasskeyRecord } from '../../src/store/repos/index.js';
import { DIALECTS } from '../support/harness.js';
import { insertOwner, openStore, type TestStore } from '../support/store.js';

const T = 1_700_000_000_000;

describe.each(DIALECTS)('passkey repos contract (%s)', (dialect) => {
  let st: TestStore;
  let userId: string;
  beforeAll(async () => {
    st = await openStore(dialect);
    userId = await insertOwner(st, T);
  });
  afterAll(async () => { await st.close(); });

  const passkey = (over: Partial<PasskeyRecord> = {}): PasskeyRecord => ({
    id: randomUUID(), userId, publicKey: 'pQECAyYgASFYIA', counter: 0, transports: ['internal'], backedUp: false,
    deviceType: 'singleDevice', name: 'Key', createdAt: T, lastUsedAt: null, ...over,
  });

  it('stores and reads a passkey; a credential id is registered once', async () => {
    const p = passkey({ counter: 3_000_000_000, backedUp: true, deviceType: 'multiDevice', transports: ['usb', 'nfc'] });
    expect(await st.repos.passkeys.insert(p)).toBe(true);
    expect(await st.repos.passkeys.findById(p.id)).toEqual(p);
    expect(await st.repos.passkeys.insert({ ...p, name: 'again' })).toBe(false);
  });

  it('a passkey of a user who is gone (deleted during the ceremony) is refused, not an error', async () => {
    expect(await st.repos.passkeys.insert(passkey({ userId: randomUUID() }))).toBe(false);
  });

  it('recordUse is a compare-and-swap on the counter', async () => {
    const p = passkey({ counter: 5 });
    await st.repos.passkeys.insert(p);
    expect(await st.repos.passkeys.recordUse(p.id, 5, { counter: 6, backedUp: true, at: T + 1 })).toBe(true);
    expect(await st.repos.passkeys.recordUse(p.id, 5, { counter: 6, backedUp: true, at: T + 2 })).toBe(false);
    expect(await st.repos.passkeys.findById(p.id)).toMatchObject({ counter: 6, backedUp: true, lastUsedAt: T + 1 });
  });

  it('deletes one of a user\'s passkeys, never another user\'s, and all of them', async () => {
    const mine = passkey();
    await st.repos.passkeys.insert(mine);
    expect(await st.repos.passkeys.deleteForUser(randomUUID(), mine.id)).toBe(false);
    expect(await st.repos.passkeys.deleteForUser(userId, mine.id)).toBe(true);
    const before = await st.repos.passkeys.countForUser(userId);
    expect(before).toBeGreaterThan(0);
    expect(await st.repos.passkeys.deleteAllForUser(userId)).toBe(before);
    expect(await st.repos.passkeys.listForUser(userId)).toEqual([]);
  });

  it('a challenge is taken once, only while live, only by whom it is bound to; put replaces', async () => {
    const c = { purpose: 'register' as const, flowId: randomUUID(), challenge: 'abc', userId, sessionId: 's1', createdAt: T, expiresAt: T + 1000 };
    await st.repos.passkeyChallenges.put(c);
    expect(await st.repos.passkeyChallenges.take('register', c.flowId, T, { userId, sessionId: 's2' })).toBeUndefined();
    expect(await st.repos.passkeyChallenges.take('login', c.flowId, T)).toBeUndefined();
    expect(await st.repos.passkeyChallenges.take('register', c.flowId, T + 1000)).toBeUndefined();
    expect(await st.repos.passkeyChallenges.take('register', c.flowId, T, { userId, sessionId: 's1' })).toEqual(c);
    expect(await st.repos.passkeyChallenges.take('register', c.flowId, T)).toBeUndefined();

    const m = { ...c, purpose: 'mfa' as const, sessionId: null };
    await st.repos.passkeyChallenges.put(m);
    await st.repos.passkeyChallenges.put({ ...m, challenge: 'def' });
    expect((await st.repos.passkeyChallenges.take('mfa', m.flowId, T))?.challenge).toBe('def');
  });

  it('concurrent takes of one challenge: exactly one wins', async () => {
    const second = createRepos(await st.open());
    const c = { purpose: 'login' as const, flowId: randomUUID(), challenge: 'x', userId: null, sessionId: null, createdAt: T, expiresAt: T + 1000 };
    await st.repos.passkeyChallenges.put(c);
    const results = await Promise.all([st.repos.passkeyChallenges.take('login', c.flowId, T), second.passkeyChallenges.take('login', c.flowId, T)]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('purges expired challenges', async () => {
    const c = { purpose: 'login' as const, flowId: randomUUID(), challenge: 'x', userId: null, sessionId: null, createdAt: T, expiresAt: T + 10 };
    await st.repos.passkeyChallenges.put(c);
    expect(await st.repos.passkeyChallenges.deleteExpired(T + 11)).toBeGreaterThanOrEqual(1);
    expect(await st.repos.passkeyChallenges.take('login', c.flowId, T)).toBeUndefined();
  });
});
