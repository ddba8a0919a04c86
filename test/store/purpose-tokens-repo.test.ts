import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepos } from '../../src/store/repos/index.js';
import { DIALECTS } from '../support/harness.js';
import { insertOwner, openStore, type TestStore } from '../support/store.js';

const T = 1_700_000_000_000;

describe.each(DIALECTS)('purpose tokens repo contract (%s)', (dialect) => {
  let st: TestStore;
  let userId: string;
  beforeAll(async () => {
    st = await openStore(dialect);
    userId = await insertOwner(st, T);
  });
  afterAll(async () => { await st.close(); });

  async function token(kind = 'reset', over: { expiresAt?: number; user?: string } = {}) {
    const t = { tokenHash: `h-${randomUUID()}`, userId: over.user ?? userId, kind, bound: kind === 'verify' ? 'owner@camelot.bt' : '', createdAt: T, expiresAt: over.expiresAt ?? T + 1000 };
    await st.repos.purposeTokens.insert(t);
    return t;
  }

  it('findLive returns a live token without spending it', async () => {
    const t = await token('verify');
    expect(await st.repos.purposeTokens.findLive(t.tokenHash, 'verify', T)).toEqual(t);
    expect(await st.repos.purposeTokens.findLive(t.tokenHash, 'verify', T)).toEqual(t);
    expect(await st.repos.purposeTokens.findLive(t.tokenHash, 'reset', T)).toBeUndefined();
  });

  it('deleteExpired drops tokens expired before the cut, spent or not, and keeps the rest', async () => {
    const spent = await token('reset', { expiresAt: T + 10 });
    await st.repos.purposeTokens.consume(spent.tokenHash, 'reset', T);
    const expired = await token('verify', { expiresAt: T + 20 });
    const live = await token('verify', { expiresAt: T + 5000 });
    expect(await st.repos.purposeTokens.deleteExpired(T + 100)).toBeGreaterThanOrEqual(2);
    const left = await st.db.selectFrom('purpose_tokens').select('token_hash')
      .where('token_hash', 'in', [spent.tokenHash, expired.tokenHash, live.tokenHash]).execute();
    expect(left.map((r) => r.token_hash)).toEqual([live.tokenHash]);
    expect(await st.repos.purposeTokens.findLive(live.tokenHash, 'verify', T)).toEqual(live);
  });

  it('consume spends a token exactly once, and only for its kind', async () => {
    const t = await token('reset');
    expect(await st.repos.purposeTokens.consume(t.tokenHash, 'verify', T)).toBeUndefined();
    expect(await st.repos.purposeTokens.consume(t.tokenHash, 'reset', T)).toEqual(t);
    expect(await st.repos.purposeTokens.consume(t.tokenHash, 'reset', T)).toBeUndefined();
    expect(await st.repos.purposeTokens.findLive(t.tokenHash, 'reset', T)).toBeUndefined();
    expect(await st.repos.purposeTokens.consume('unknown', 'reset', T)).toBeUndefined();
  });

  it('parallel consumes from several connections: exactly one gets the token', async () => {
    const others = await Promise.all([st.open(), st.open()]);
    const repos = [st.repos, ...others.map((d) => createRepos(d))];
    for (let round = 0; round < 5; round++) {
      const t = await token('reset');
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => repos[i % repos.length]!.purposeTokens.consume(t.tokenHash, 'reset', T)));
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it('an expired token is neither live nor consumable', async () => {
    const t = await token('verify', { expiresAt: T + 100 });
    expect(await st.repos.purposeTokens.findLive(t.tokenHash, 'verify', T + 99)).toBeDefined();
    expect(await st.repos.purposeTokens.findLive(t.tokenHash, 'verify', T + 100)).toBeUndefined();
    expect(await st.repos.purposeTokens.consume(t.tokenHash, 'verify', T + 101)).toBeUndefined();
  });

  it('deleteForUser kills every token of one kind for one user', async () => {
    const r1 = await token('reset');
    const r2 = await token('reset');
    const v = await token('verify');
    await st.repos.purposeTokens.deleteForUser(userId, 'reset');
    expect(await st.repos.purposeTokens.findLive(r1.tokenHash, 'reset', T)).toBeUndefined();
    expect(await st.repos.purposeTokens.findLive(r2.tokenHash, 'reset', T)).toBeUndefined();
    expect(await st.repos.purposeTokens.findLive(v.tokenHash, 'verify', T)).toBeDefined();
  });

  it('deleting the user deletes its tokens', async () => {
    const id = randomUUID();
    await st.repos.users.insert({ id, email: 'gone@camelot.bt', username: null, passwordHash: null, isActive: true, isSuperuser: false, isVerified: false, scopes: [], createdAt: T, updatedAt: T });
    const t = await token('reset', { user: id });
    await st.repos.users.delete(id);
    expect(await st.repos.purposeTokens.findLive(t.tokenHash, 'reset', T)).toBeUndefined();
  });
});
