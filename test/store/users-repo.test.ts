import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewUserRecord } from '../../src/store/repos/index.js';
import { UniqueViolation } from '../../src/store/unique-violation.js';
import { DIALECTS } from '../support/harness.js';
import { openStore, type TestStore } from '../support/store.js';

let clock = 1_700_000_000_000;
const user = (over: Partial<NewUserRecord> = {}): NewUserRecord => {
  clock += 1;
  return {
    id: randomUUID(), email: null, username: null, passwordHash: '$argon2id$x', isActive: true, isSuperuser: false,
    isVerified: false, scopes: [], createdAt: clock, updatedAt: clock, ...over,
  };
};

describe.each(DIALECTS)('users repo contract (%s)', (dialect) => {
  let st: TestStore;
  beforeAll(async () => { st = await openStore(dialect); });
  afterAll(async () => { await st.close(); });
  const users = () => st.repos.users;

  it('round-trips every field', async () => {
    const u = user({ email: 'Arthur@Camelot.bt', username: 'Arthur', isSuperuser: true, isVerified: true, isActive: false, scopes: ['a:b', 'c'] });
    const inserted = await users().insert(u);
    expect(inserted).toEqual({ ...u, accountNumber: expect.any(Number), firstName: null, lastName: null, roles: [], roleScopes: [], credentialsVersion: 0, mfaEnabled: false });
    expect(await users().findById(u.id)).toEqual(inserted);
    expect(await users().findById(randomUUID())).toBeUndefined();
  });

  it('finds by email case-insensitively and after Unicode compatibility folding', async () => {
    const u = await users().insert(user({ email: 'king@camelot.bt' }));
    expect((await users().findByEmail('KING@Camelot.BT'))?.id).toBe(u.id);
    expect((await users().findByEmail('\uff4b\uff49\uff4e\uff47@camelot.bt'))?.id).toBe(u.id); // fullwidth "king"
    expect((await users().findByEmail(' king@camelot.bt '))?.id).toBe(u.id);
    expect(await users().findByEmail('queen@camelot.bt')).toBeUndefined();
  });

  it('findByLogin takes an email or a username, and an email match wins', async () => {
    const byName = await users().insert(user({ email: 'other@camelot.bt', username: 'Percival' }));
    expect((await users().findByLogin('PERCIVAL'))?.id).toBe(byName.id);
    expect((await users().findByLogin('Other@Camelot.bt'))?.id).toBe(byName.id);
    // Username uniqueness and email uniqueness are separate indexes: a username may look like another user's email.
    const a = await users().insert(user({ email: 'clash@camelot.bt' }));
    await users().insert(user({ email: 'z@camelot.bt', username: 'Clash@Camelot.bt' }));
    expect((await users().findByLogin('clash@camelot.bt'))?.id).toBe(a.id);
    expect(await users().findByLogin('nobody')).toBeUndefined();
  });

  it('emails and usernames are unique case-insensitively: UniqueViolation names the field', async () => {
    await users().insert(user({ email: 'lancelot@camelot.bt', username: 'Lancelot' }));
    await expect(users().insert(user({ email: 'LANCELOT@camelot.bt' }))).rejects.toEqual(new UniqueViolation('email'));
    await expect(users().insert(user({ email: 'l2@camelot.bt', username: 'lancelot' }))).rejects.toEqual(new UniqueViolation('username'));
    const other = await users().insert(user({ email: 'elaine@camelot.bt' }));
    await expect(users().update(other.id, { email: 'Lancelot@Camelot.bt' })).rejects.toBeInstanceOf(UniqueViolation);
    await expect(users().update(other.id, { username: 'LANCELOT' })).rejects.toEqual(new UniqueViolation('username'));
    expect((await users().findById(other.id))?.email).toBe('elaine@camelot.bt');
  });

  it('many users may have no email or no username', async () => {
    await users().insert(user({ username: 'only-name-1' }));
    await users().insert(user({ username: 'only-name-2' }));
    await users().insert(user({ email: 'only-email-1@camelot.bt' }));
    await users().insert(user({ email: 'only-email-2@camelot.bt' }));
  });

  it('update applies only the given fields and returns the new record; unknown id gives undefined', async () => {
    const u = await users().insert(user({ email: 'gawain@camelot.bt', scopes: ['x'] }));
    const up = await users().update(u.id, { isVerified: true, scopes: [], username: 'Gawain', updatedAt: u.updatedAt + 5 });
    expect(up).toEqual({ ...u, isVerified: true, scopes: [], username: 'Gawain', updatedAt: u.updatedAt + 5 });
    expect(await users().update(u.id, { username: null })).toMatchObject({ username: null, email: 'gawain@camelot.bt' });
    expect(await users().update(randomUUID(), { isActive: false })).toBeUndefined();
  });

  it('the credentials version moves with a new password, a deactivation or retireCredentials, never with a rehash or other fields', async () => {
    const u = await users().insert(user({ passwordHash: 'old' }));
    const version = async () => (await users().findById(u.id))?.credentialsVersion;
    expect(u.credentialsVersion).toBe(0);
    await users().update(u.id, { username: `v-${u.id}`, isVerified: true, isActive: true, scopes: ['x'] });
    expect(await version()).toBe(0);
    await users().replacePasswordHash(u.id, 'old', 'rehashed');
    expect(await version()).toBe(0);
    await users().update(u.id, { passwordHash: 'new' });
    expect(await version()).toBe(1);
    await users().update(u.id, { isActive: false });
    expect(await version()).toBe(2);
    expect(await users().retireCredentials(u.id)).toBe(true);
    expect(await version()).toBe(3);
    expect(await users().retireCredentials(randomUUID())).toBe(false);
  });

  it('replacePasswordHash swaps only when the stored hash is the expected one', async () => {
    const u = await users().insert(user({ email: 'cas@camelot.bt', passwordHash: 'old' }));
    expect(await users().replacePasswordHash(u.id, 'not-old', 'new')).toBe(false);
    expect((await users().findById(u.id))?.passwordHash).toBe('old');
    expect(await users().replacePasswordHash(u.id, 'old', 'new')).toBe(true);
    expect((await users().findById(u.id))?.passwordHash).toBe('new');
    expect(await users().replacePasswordHash(u.id, 'old', 'newer')).toBe(false);
  });

  it('delete removes the user once', async () => {
    const u = await users().insert(user({ email: 'agravain@camelot.bt' }));
    expect(await users().delete(u.id)).toBe(true);
    expect(await users().delete(u.id)).toBe(false);
    expect(await users().findById(u.id)).toBeUndefined();
    // The email is free again.
    await users().insert(user({ email: 'Agravain@camelot.bt' }));
  });

  describe('list', () => {
    let ids: string[];
    beforeAll(async () => {
      // created_at runs backwards on purpose: listing follows creation (insertion) order, not the timestamp.
      ids = [];
      for (const [i, email] of ['list-c@order.bt', 'list-a@order.bt', 'list-b@order.bt'].entries()) {
        ids.push((await users().insert(user({ email, username: `order_${i}`, createdAt: 2_000_000_000_000 - i }))).id);
      }
    });

    it('orders by creation and pages with limit and offset; total counts every match', async () => {
      const all = await users().list({ limit: 1000, offset: 0 });
      expect(all.total).toBe(await users().count());
      const mine = all.items.filter((u) => ids.includes(u.id)).map((u) => u.id);
      expect(mine).toEqual(ids);
      const page = await users().list({ limit: 2, offset: 1, q: '@order.bt' });
      expect(page).toEqual({ items: [expect.objectContaining({ id: ids[1] }), expect.objectContaining({ id: ids[2] })], total: 3 });
      expect(await users().list({ limit: 5, offset: 10, q: '@order.bt' })).toEqual({ items: [], total: 3 });
    });

    it('q matches email or username substrings, case-insensitively', async () => {
      expect((await users().list({ limit: 10, offset: 0, q: 'LIST-A' })).items.map((u) => u.id)).toEqual([ids[1]]);
      expect((await users().list({ limit: 10, offset: 0, q: 'Order_2' })).items.map((u) => u.id)).toEqual([ids[2]]);
    });

    it('q treats LIKE metacharacters % _ and \\ literally', async () => {
      const pct = await users().insert(user({ email: '100%real@meta.bt' }));
      const und = await users().insert(user({ email: 'snake_case@meta.bt' }));
      const x = await users().insert(user({ email: 'snakeXcase@meta.bt' }));
      const bs = await users().insert(user({ username: 'back\\slash' }));
      await users().insert(user({ username: 'backXslash' }));
      const q = async (s: string) => (await users().list({ limit: 10, offset: 0, q: s })).items.map((u) => u.id);
      expect(await q('%')).toEqual([pct.id]);
      expect(await q('0%r')).toEqual([pct.id]);
      expect(await q('e_c')).toEqual([und.id]);
      const underscores = await q('_');
      expect(underscores).toContain(und.id);
      expect(underscores).not.toContain(x.id);
      expect(underscores).not.toContain(pct.id);
      expect(await q('k\\s')).toEqual([bs.id]);
      expect((await users().list({ limit: 10, offset: 0, q: '%' })).total).toBe(1);
    });
  });
});
