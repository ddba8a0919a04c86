import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../src/store/repos/index.js';
import { DIALECTS } from '../support/harness.js';
import { openStore, type TestStore } from '../support/store.js';

const T = 1_700_000_000_000;
const session = (userId: string, over: Partial<SessionRecord> = {}): SessionRecord => ({
  id: randomUUID(), userId, createdAt: T, expiresAt: T + 3_600_000, revokedAt: null, rotating: true, scope: ['me'], credentialsVersion: 0, ...over,
});

describe.each(DIALECTS)('sessions repo contract (%s)', (dialect) => {
  let st: TestStore;
  beforeAll(async () => { st = await openStore(dialect); });
  afterAll(async () => { await st.close(); });
  const sessions = () => st.repos.sessions;

  it('round-trips every field', async () => {
    const s = session(randomUUID(), { rotating: false, scope: ['me', 'admin', 'x:y'] });
    await sessions().insert(s);
    expect(await sessions().findById(s.id)).toEqual(s);
    expect(await sessions().findById(randomUUID())).toBeUndefined();
  });

  const newUser = async () => st.repos.users.insert({
    id: randomUUID(), email: null, username: null, passwordHash: '$argon2id$x', isActive: true, isSuperuser: false,
    isVerified: false, scopes: [], createdAt: T, updatedAt: T,
  });
  /** The login event a session is opened with (core/sessions.ts writes it in the same statement). */
  const loginEvent = (s: SessionRecord) => ({ record: {
    id: randomUUID(), type: 'login.succeeded', at: s.createdAt, userId: s.userId, actorId: null, face: 'users', ip: '10.0.0.1', userAgent: 'curl/8', detail: { session_id: s.id },
  } });
  const eventsOf = async (s: SessionRecord) =>
    (await st.repos.audit.list({ userId: s.userId, limit: 1000, offset: 0 })).items.filter((e) => e.detail.session_id === s.id);
  const firstToken = (s: SessionRecord, tag: string) => ({ id: randomUUID(), tokenHash: `${tag}-${s.id}`, createdAt: T + 1, expiresAt: s.expiresAt, usedAt: null });

  it('insertWithToken stores a session and its first refresh token', async () => {
    const s = session((await newUser()).id, { scope: ['me', 'admin'] });
    const first = firstToken(s, 'first');
    expect(await sessions().insertWithToken(s, first, loginEvent(s))).toBe(true);
    expect(await sessions().findById(s.id)).toEqual(s);
    expect(await st.repos.refreshTokens.findByHash(first.tokenHash)).toEqual({
      ...first, sessionId: s.id, userId: s.userId, sessionRevokedAt: null, sessionRotating: true, sessionScope: ['me', 'admin'],
      sessionCredentialsVersion: 0,
    });
    // The session's id is taken, so neither row of a second insert with it is written.
    const again = { ...first, id: randomUUID(), tokenHash: `again-${s.id}` };
    await expect(sessions().insertWithToken(s, again, loginEvent(s))).rejects.toThrow();
    expect(await st.repos.refreshTokens.findByHash(again.tokenHash)).toBeUndefined();
  });

  it('insertWithToken writes nothing once the user moved past the credentials version, is inactive or is gone', async () => {
    const u = await newUser();
    await st.repos.users.update(u.id, { passwordHash: '$argon2id$changed' });
    expect((await st.repos.users.findById(u.id))?.credentialsVersion).toBe(1);
    const stale = session(u.id, { credentialsVersion: 0 });
    expect(await sessions().insertWithToken(stale, firstToken(stale, 'stale'), loginEvent(stale))).toBe(false);
    expect(await sessions().findById(stale.id)).toBeUndefined();
    expect(await st.repos.refreshTokens.findByHash(`stale-${stale.id}`)).toBeUndefined();
    expect(await eventsOf(stale)).toEqual([]);
    const current = session(u.id, { credentialsVersion: 1 });
    expect(await sessions().insertWithToken(current, firstToken(current, 'current'), loginEvent(current))).toBe(true);
    expect(await eventsOf(current)).toMatchObject([{ type: 'login.succeeded', userId: u.id, face: 'users', ip: '10.0.0.1', userAgent: 'curl/8' }]);

    await st.repos.users.update(u.id, { isActive: false });
    const inactive = session(u.id, { credentialsVersion: 2 });
    expect(await sessions().insertWithToken(inactive, firstToken(inactive, 'inactive'), loginEvent(inactive))).toBe(false);
    await st.repos.users.update(u.id, { isActive: true });
    expect(await sessions().insertWithToken(inactive, firstToken(inactive, 'inactive'), loginEvent(inactive))).toBe(true);

    const orphan = session(randomUUID());
    expect(await sessions().insertWithToken(orphan, firstToken(orphan, 'orphan'), loginEvent(orphan))).toBe(false);
  });

  it('adoptCredentialsVersion moves a live session to its user\'s current version', async () => {
    const u = await newUser();
    const s = session(u.id);
    await sessions().insert(s);
    await st.repos.users.update(u.id, { passwordHash: '$argon2id$changed' });
    await sessions().adoptCredentialsVersion(s.id, u.id);
    expect((await sessions().findById(s.id))?.credentialsVersion).toBe(1);
  });

  it('status answers who holds a session and whether it ended, also for many reads at once', async () => {
    const [live, ended] = [session(randomUUID()), session(randomUUID())];
    for (const s of [live, ended]) await sessions().insert(s);
    await sessions().revoke(ended.id, T + 7);
    const unknown = randomUUID();
    // Asked together, as concurrent introspections do (one query on PostgreSQL): each gets its own row.
    const reads = await Promise.all([live.id, ended.id, unknown, live.id].map((id) => sessions().status(id)));
    expect(reads).toEqual([{ userId: live.userId, revokedAt: null }, { userId: ended.userId, revokedAt: T + 7 }, undefined,
      { userId: live.userId, revokedAt: null }]);
    await sessions().revoke(live.id, T + 9);
    expect(await sessions().status(live.id)).toEqual({ userId: live.userId, revokedAt: T + 9 });
  });

  it('revoke ends a live session once', async () => {
    const s = session(randomUUID());
    await sessions().insert(s);
    expect(await sessions().revoke(s.id, T + 10)).toBe(true);
    expect(await sessions().revoke(s.id, T + 20)).toBe(false);
    expect((await sessions().findById(s.id))?.revokedAt).toBe(T + 10);
    expect(await sessions().revoke(randomUUID(), T)).toBe(false);
  });

  it('revokeAllForUser ends every live session of that user but the excepted one, and returns their ids', async () => {
    const user = randomUUID();
    const other = randomUUID();
    const [a, b, keep, done] = [session(user), session(user), session(user), session(user, { revokedAt: T + 1 })];
    const foreign = session(other);
    for (const s of [a, b, keep, done, foreign]) await sessions().insert(s);
    const ended = await sessions().revokeAllForUser(user, T + 50, keep.id);
    expect(ended.sort()).toEqual([a.id, b.id].sort());
    expect((await sessions().findById(a.id))?.revokedAt).toBe(T + 50);
    expect((await sessions().findById(keep.id))?.revokedAt).toBeNull();
    expect((await sessions().findById(done.id))?.revokedAt).toBe(T + 1);
    expect((await sessions().findById(foreign.id))?.revokedAt).toBeNull();
    expect(await sessions().revokeAllForUser(user, T + 60)).toEqual([keep.id]);
    expect(await sessions().revokeAllForUser(user, T + 70)).toEqual([]);
  });

  it('revokedSince lists sessions ended at or after a time', async () => {
    const s1 = session(randomUUID());
    const s2 = session(randomUUID());
    await sessions().insert(s1);
    await sessions().insert(s2);
    await sessions().revoke(s1.id, T + 1_000_000);
    await sessions().revoke(s2.id, T + 2_000_000);
    const since = (await sessions().revokedSince(T + 2_000_000)).map((r) => r.id);
    expect(since).toContain(s2.id);
    expect(since).not.toContain(s1.id);
    expect(await sessions().revokedSince(T + 1_000_000)).toEqual(expect.arrayContaining([{ id: s1.id, revokedAt: T + 1_000_000 }, { id: s2.id, revokedAt: T + 2_000_000 }]));
  });

  it('the database numbers each revocation once, in order, whoever writes it; revokedAfter reads by that number', async () => {
    const user = randomUUID();
    const [a, b, c] = [session(user), session(user), session(randomUUID())];
    for (const s of [a, b, c]) await sessions().insert(s);
    const before = await sessions().lastRevocationSeq();
    await sessions().revoke(c.id, T + 1);
    await sessions().revokeAllForUser(user, T + 2);
    await sessions().revoke(c.id, T + 3); // already ended: not numbered again
    // A revocation written by plain SQL, not through the repository, is numbered too.
    const d = session(randomUUID());
    await sessions().insert(d);
    await st.db.updateTable('sessions').set({ revoked_at: T + 4 }).where('id', '=', d.id).execute();
    const after = await sessions().revokedAfter(before, 100);
    expect(after.map((r) => r.seq)).toEqual([before + 1, before + 2, before + 3, before + 4]);
    expect(after[0]!.id).toBe(c.id);
    expect(after.slice(1, 3).map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
    expect(after[3]!.id).toBe(d.id);
    expect(await sessions().lastRevocationSeq()).toBe(before + 4);
    expect(await sessions().revokedAfter(before + 1, 1)).toEqual([after[1]]);
  });

  it('deleteExpired drops expired sessions and their refresh tokens', async () => {
    const old = session(randomUUID(), { expiresAt: T - 1 });
    const live = session(randomUUID(), { expiresAt: T + 10_000_000 });
    await sessions().insert(old);
    await sessions().insert(live);
    await st.repos.refreshTokens.insert({ id: randomUUID(), sessionId: old.id, tokenHash: `h-${old.id}`, createdAt: T, expiresAt: T - 1, usedAt: null });
    expect(await sessions().deleteExpired(T)).toBeGreaterThanOrEqual(1);
    expect(await sessions().findById(old.id)).toBeUndefined();
    expect(await sessions().findById(live.id)).toBeDefined();
    expect(await st.repos.refreshTokens.findByHash(`h-${old.id}`)).toBeUndefined();
  });
});
