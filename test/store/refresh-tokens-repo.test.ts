import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepos } from '../../src/store/repos/index.js';
import { DIALECTS } from '../support/harness.js';
import { openStore, type TestStore } from '../support/store.js';

const T = 1_700_000_000_000;

describe.each(DIALECTS)('refresh tokens repo contract (%s)', (dialect) => {
  let st: TestStore;
  beforeAll(async () => { st = await openStore(dialect); });
  afterAll(async () => { await st.close(); });

  async function withSession(over: { rotating?: boolean; revokedAt?: number | null; scope?: string[] } = {}) {
    const s = { id: randomUUID(), userId: randomUUID(), createdAt: T, expiresAt: T + 1000, revokedAt: null, rotating: true, scope: ['me'], credentialsVersion: 0, ...over };
    await st.repos.sessions.insert(s);
    const t = { id: randomUUID(), sessionId: s.id, tokenHash: `hash-${randomUUID()}`, createdAt: T, expiresAt: T + 1000, usedAt: null };
    await st.repos.refreshTokens.insert(t);
    return { s, t };
  }

  it('findByHash joins the session: user, revocation, rotation and scope', async () => {
    const { s, t } = await withSession({ rotating: false, scope: ['me', 'admin'] });
    expect(await st.repos.refreshTokens.findByHash(t.tokenHash)).toEqual({
      ...t, userId: s.userId, sessionRevokedAt: null, sessionRotating: false, sessionScope: ['me', 'admin'], sessionCredentialsVersion: 0,
    });
    await st.repos.sessions.revoke(s.id, T + 5);
    expect((await st.repos.refreshTokens.findByHash(t.tokenHash))?.sessionRevokedAt).toBe(T + 5);
    expect(await st.repos.refreshTokens.findByHash('unknown')).toBeUndefined();
  });

  it('token hashes are unique', async () => {
    const { s, t } = await withSession();
    await expect(st.repos.refreshTokens.insert({ ...t, id: randomUUID(), sessionId: s.id })).rejects.toThrow();
  });

  it('markUsed succeeds once', async () => {
    const { t } = await withSession();
    expect(await st.repos.refreshTokens.markUsed(t.id, T + 1)).toBe(true);
    expect(await st.repos.refreshTokens.markUsed(t.id, T + 2)).toBe(false);
    expect((await st.repos.refreshTokens.findByHash(t.tokenHash))?.usedAt).toBe(T + 1);
    expect(await st.repos.refreshTokens.markUsed(randomUUID(), T)).toBe(false);
  });

  it('markUsed is atomic: of many parallel calls, from several connections, exactly one wins', async () => {
    const others = await Promise.all([st.open(), st.open()]);
    const repos = [st.repos, ...others.map((d) => createRepos(d))];
    for (let round = 0; round < 5; round++) {
      const { t } = await withSession();
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => repos[i % repos.length]!.refreshTokens.markUsed(t.id, T + i)));
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it('deleteById drops that token only, once', async () => {
    const { s, t } = await withSession();
    const sibling = { id: randomUUID(), sessionId: s.id, tokenHash: `hash-${randomUUID()}`, createdAt: T, expiresAt: T + 1000, usedAt: null };
    await st.repos.refreshTokens.insert(sibling);
    expect(await st.repos.refreshTokens.deleteById(t.id)).toBe(true);
    expect(await st.repos.refreshTokens.deleteById(t.id)).toBe(false);
    expect(await st.repos.refreshTokens.findByHash(t.tokenHash)).toBeUndefined();
    expect((await st.repos.refreshTokens.findByHash(sibling.tokenHash))?.id).toBe(sibling.id);
  });

  it('deleteForSession drops that session\'s tokens only', async () => {
    const a = await withSession();
    const b = await withSession();
    await st.repos.refreshTokens.deleteForSession(a.s.id);
    expect(await st.repos.refreshTokens.findByHash(a.t.tokenHash)).toBeUndefined();
    expect(await st.repos.refreshTokens.findByHash(b.t.tokenHash)).toBeDefined();
  });
});
