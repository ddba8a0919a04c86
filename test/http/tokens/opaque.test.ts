import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { PASS, simpleSignup } from '../../support/faces-client.js';
import { bearer } from '../../support/users-client.js';
import { FACE_NAMES, faceProtected, refusedStatus } from '../../security/support/faces.js';
import { introspect, passwordGrant, refreshGrant, revoke } from '../oauth2/oauth-client.js';

/** What wisdom's gateway lets through. */
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(DIALECTS)('TESSERA_OAUTH2_TOKEN_FORMAT=opaque (%s)', (dialect) => {
  let s: TestServer;
  let caller: string;
  let userId: string;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_OAUTH2_TOKEN_FORMAT: 'opaque' });
    await simpleSignup(s.app, 'bors');
    await simpleSignup(s.app, 'caller');
    userId = (await s.container.repos.users.findByLogin('bors'))!.id;
    caller = (await passwordGrant(s.app, 'caller')).access_token;
  });
  afterAll(async () => { await s.close(); });

  it('the oauth2 face issues a lower-case UUIDv4 on both grants; the other faces keep their JWTs', async () => {
    const t = await passwordGrant(s.app, 'bors');
    expect(t.access_token).toMatch(UUID4);
    expect(t.expires_in).toBe(900);
    const refreshed = (await refreshGrant(s.app, t.refresh_token)).json();
    expect(refreshed.access_token).toMatch(UUID4);
    expect(refreshed.access_token).not.toBe(t.access_token);
    const users = (await s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload: { username: 'bors', password: PASS } })).json().access_token as string;
    expect(users.split('.')).toHaveLength(3);
  });

  it('is stored only as a hash', async () => {
    const t = await passwordGrant(s.app, 'bors');
    const rows = (await sql<Record<string, unknown>>`select * from access_tokens`.execute(s.container.db)).rows;
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(t.access_token);
    expect(rows.some((r) => r.user_id === userId && r.profile === 'oauth2')).toBe(true);
  });

  it('works on every face: /users/me, /me (aegis), /check (simple), introspection', async () => {
    const t = await passwordGrant(s.app, 'bors');
    for (const face of FACE_NAMES) expect((await faceProtected(s.app, face, t.access_token)).statusCode, face).toBe(200);
    expect((await s.app.inject({ url: '/users/me', headers: bearer(t.access_token) })).json().id).toBe(userId);
    const me = (await s.app.inject({ url: '/me', headers: { authorization: t.access_token } })).json();
    expect(me).toEqual({ id: userId, permissions: ['me'], exp: expect.any(Number) });
    const check = (await s.app.inject({ url: '/check', headers: bearer(t.access_token) })).json();
    expect(check).toMatchObject({ sub: userId, scope: 'me', aud: 'tessera', iss: 'http://tessera.test', fresh: true, exp: me.exp });
    const body = (await introspect(s.app, caller, t.access_token)).json();
    expect(body).toEqual({
      active: true, sub: userId, username: 'bors', scope: 'me', exp: me.exp, iat: me.exp - 900,
      token_type: 'access_token', aud: 'tessera', iss: 'http://tessera.test', jti: check.jti,
    });
    expect(check.jti).not.toBe(t.access_token);
    // An opaque token can be the introspecting caller too.
    expect((await introspect(s.app, t.access_token, caller)).json().active).toBe(true);
  });

  it('a repeated request is answered from memory, not the database', async () => {
    const t = await passwordGrant(s.app, 'bors');
    const repo = s.container.repos.accessTokens;
    const original = repo.findByHash;
    let reads = 0;
    repo.findByHash = (h) => { reads++; return original(h); };
    try {
      for (let i = 0; i < 5; i++) expect((await s.app.inject({ url: '/users/me', headers: bearer(t.access_token) })).statusCode).toBe(200);
      expect(reads).toBeLessThanOrEqual(1);
    } finally {
      repo.findByHash = original;
    }
  });

  it('dies with its session: revocation, logout on another face, and introspection says so', async () => {
    const a = await passwordGrant(s.app, 'bors');
    expect((await revoke(s.app, a.access_token, a.access_token)).statusCode).toBe(200);
    const b = await passwordGrant(s.app, 'bors');
    expect((await s.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: bearer(b.access_token) })).statusCode).toBe(204);
    for (const t of [a, b]) {
      for (const face of FACE_NAMES) expect((await faceProtected(s.app, face, t.access_token)).statusCode, face).toBe(refusedStatus(face));
      expect((await introspect(s.app, caller, t.access_token)).json()).toEqual({ active: false });
      expect((await refreshGrant(s.app, t.refresh_token)).statusCode).toBe(400);
    }
  });

  it('someone else\'s opaque token is left alone by revocation', async () => {
    const t = await passwordGrant(s.app, 'bors');
    expect((await revoke(s.app, caller, t.access_token)).statusCode).toBe(200);
    expect((await s.app.inject({ url: '/users/me', headers: bearer(t.access_token) })).statusCode).toBe(200);
  });

  it('unknown, upper-cased and expired opaque tokens are refused', async () => {
    const t = await passwordGrant(s.app, 'bors');
    for (const token of [crypto.randomUUID(), t.access_token.toUpperCase()]) {
      for (const face of FACE_NAMES) expect((await faceProtected(s.app, face, token)).statusCode, face).toBe(refusedStatus(face));
      expect((await introspect(s.app, caller, token)).json()).toEqual({ active: false });
    }
    // Expired: written as already past its expiry.
    const hash = (await import('../../../src/crypto/random-token.js')).hashToken;
    const old = crypto.randomUUID();
    const sid = (await s.container.sessions.verifyAccess(t.access_token) as { claims: { sid: string } }).claims.sid;
    await s.container.repos.accessTokens.insert({ tokenHash: hash(old), id: crypto.randomUUID(), sessionId: sid, userId, profile: 'oauth2', scope: ['me'], fresh: false, createdAt: Date.now() - 2_000_000, expiresAt: Date.now() - 1_000_000 });
    expect((await faceProtected(s.app, 'users', old)).statusCode).toBe(401);
    expect((await introspect(s.app, caller, old)).json()).toEqual({ active: false });
    // The hourly purge drops it.
    expect(await s.container.repos.accessTokens.deleteExpired(Date.now())).toBeGreaterThanOrEqual(1);
    expect(await s.container.repos.accessTokens.findByHash(hash(old))).toBeUndefined();
  });
});
