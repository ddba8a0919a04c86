import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUserCache } from '../../src/store/repos/cached-users.js';
import { createUsersRepo, type NewUserRecord } from '../../src/store/repos/users-repo.js';
import { DIALECTS } from '../support/harness.js';
import { openStore, type TestStore } from '../support/store.js';

const T = 1_700_000_000_000;
const user = (over: Partial<NewUserRecord> = {}): NewUserRecord => ({
  id: randomUUID(), email: `${randomUUID()}@camelot.bt`, username: null, passwordHash: '$argon2id$x', isActive: true,
  isSuperuser: false, isVerified: false, scopes: [], createdAt: T, updatedAt: T, ...over,
});

/** The per-request user cache over a real database: what this instance writes shows at once, others' within the TTL. */
describe.each(DIALECTS)('cached users repo (%s)', (dialect) => {
  let st: TestStore;
  let clock = T;
  const now = () => clock;
  beforeAll(async () => { st = await openStore(dialect); });
  afterAll(async () => { await st.close(); });

  it('answers from memory within the TTL, so another writer\'s change shows only after it', async () => {
    const cached = withUserCache(createUsersRepo(st.db), { ttlMs: 1000, now });
    const other = createUsersRepo(await st.open()); // another instance on the same database
    const u = await cached.insert(user());
    expect((await cached.findByIdCached(u.id))?.isSuperuser).toBe(false);
    await other.update(u.id, { isSuperuser: true });
    clock += 999;
    expect((await cached.findByIdCached(u.id))?.isSuperuser).toBe(false);
    clock += 1;
    expect((await cached.findByIdCached(u.id))?.isSuperuser).toBe(true);
    // Deleted elsewhere: gone once the TTL has passed; an absence is never cached.
    await other.delete(u.id);
    clock += 1000;
    expect(await cached.findByIdCached(u.id)).toBeUndefined();
    await cached.insert({ ...u, email: `${randomUUID()}@camelot.bt` });
    expect((await cached.findByIdCached(u.id))?.id).toBe(u.id);
  });

  it('forgets a row on every write of its own, at once', async () => {
    const cached = withUserCache(createUsersRepo(st.db), { ttlMs: 60_000, now });
    const u = await cached.insert(user());
    await cached.findByIdCached(u.id);
    await cached.update(u.id, { isActive: false });
    expect((await cached.findByIdCached(u.id))?.isActive).toBe(false);
    expect(await cached.replacePasswordHash(u.id, '$argon2id$x', '$argon2id$y')).toBe(true);
    expect((await cached.findByIdCached(u.id))?.passwordHash).toBe('$argon2id$y');
    expect(await cached.delete(u.id)).toBe(true);
    expect(await cached.findByIdCached(u.id)).toBeUndefined();
  });

  it('a read that raced a write does not store the row it read before the write', async () => {
    const cached = withUserCache(createUsersRepo(st.db), { ttlMs: 60_000, now });
    const u = await cached.insert(user());
    const racing = cached.findByIdCached(u.id); // may read before or after the update commits
    await cached.update(u.id, { isActive: false });
    await racing;
    expect((await cached.findByIdCached(u.id))?.isActive).toBe(false);
  });

  it('tells onWrite of each write after it is done, and forgetCached drops a copy another instance made stale', async () => {
    const written: [string, boolean | undefined][] = [];
    const cached = withUserCache(createUsersRepo(st.db), {
      ttlMs: 60_000, now,
      // What the database holds when onWrite runs: the write is already there.
      onWrite: (id) => { void createUsersRepo(st.db).findById(id).then((u) => written.push([id, u?.isVerified])); },
    });
    const other = createUsersRepo(await st.open());
    const u = await cached.insert(user());
    await cached.update(u.id, { isVerified: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(written).toEqual([[u.id, true]]);
    await cached.findByIdCached(u.id);
    await other.update(u.id, { isVerified: false });
    expect((await cached.findByIdCached(u.id))?.isVerified).toBe(true);
    cached.forgetCached(u.id);
    expect((await cached.findByIdCached(u.id))?.isVerified).toBe(false);
  });

  it('with a TTL of 0 every read goes to the database', async () => {
    const cached = withUserCache(createUsersRepo(st.db), { ttlMs: 0, now });
    const other = createUsersRepo(await st.open());
    const u = await cached.insert(user());
    await cached.findByIdCached(u.id);
    await other.update(u.id, { isVerified: true });
    expect((await cached.findByIdCached(u.id))?.isVerified).toBe(true);
  });

  it('is bounded: past `max` rows the oldest read is dropped', async () => {
    const cached = withUserCache(createUsersRepo(st.db), { ttlMs: 60_000, max: 2, now });
    const other = createUsersRepo(await st.open());
    const [a, b, c] = [await cached.insert(user()), await cached.insert(user()), await cached.insert(user())];
    for (const x of [a, b, c]) await cached.findByIdCached(x.id);
    await other.update(a.id, { isVerified: true });
    await other.update(c.id, { isVerified: true });
    expect((await cached.findByIdCached(a.id))?.isVerified).toBe(true); // dropped, so read again
    expect((await cached.findByIdCached(c.id))?.isVerified).toBe(false); // still cached
  });
});
