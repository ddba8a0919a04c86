import { createLocalJWKSet, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { createContainer } from '../../../src/container.js';
import { createLogger } from '../../../src/http/logger.js';
import { DIALECTS, startServer, TEST_HASH, type TestServer } from '../../support/harness.js';
import { register } from '../../support/users-client.js';
import { claimsOf } from '../../support/faces-client.js';
import { headerOf, introspect, meStatus, passwordGrant, refreshGrant } from './oauth-client.js';

const SECRET = 'a test secret that is certainly longer than 32 characters';

async function jwks(s: TestServer): Promise<JSONWebKeySet> {
  const res = await s.app.inject({ url: '/.well-known/jwks.json' });
  expect(res.statusCode).toBe(200);
  return res.json() as JSONWebKeySet;
}

describe.each(DIALECTS)('signing algorithms end to end (%s)', (dialect) => {
  const cases: { alg: string; env: Record<string, string>; kty?: string }[] = [
    { alg: 'EdDSA', env: {}, kty: 'OKP' },
    { alg: 'ES256', env: { TESSERA_JWT_ALG: 'ES256' }, kty: 'EC' },
    { alg: 'RS256', env: { TESSERA_JWT_ALG: 'RS256' }, kty: 'RSA' },
    { alg: 'HS256', env: { TESSERA_JWT_ALG: 'HS256', TESSERA_JWT_SECRET: SECRET } },
  ];
  for (const c of cases) {
    it(`${c.alg}: signs, verifies, refreshes, introspects, and publishes the right JWKS`, async () => {
      const s = await startServer(dialect, c.env);
      try {
        await register(s.app, 'elaine@camelot.bt');
        const t = await passwordGrant(s.app, 'elaine@camelot.bt');
        const header = headerOf(t.access_token);
        expect(header).toMatchObject({ alg: c.alg, typ: 'at+jwt', kid: expect.any(String) });
        expect(await meStatus(s.app, t.access_token)).toBe(200);
        expect((await introspect(s.app, t.access_token, t.access_token)).json().active).toBe(true);
        const r = await refreshGrant(s.app, t.refresh_token);
        expect(headerOf(r.json().access_token).alg).toBe(c.alg);
        expect(await meStatus(s.app, r.json().access_token)).toBe(200);

        const set = await jwks(s);
        const verifyOpts = { issuer: 'http://tessera.test', audience: 'tessera', typ: 'at+jwt' };
        if (c.kty) {
          expect(set.keys).toHaveLength(1);
          expect(set.keys[0]).toMatchObject({ kty: c.kty, kid: header.kid, alg: c.alg, use: 'sig' });
          for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(set.keys[0]).not.toHaveProperty(priv);
          // An outside verifier needs nothing but the published JWKS.
          const { payload } = await jwtVerify(t.access_token, createLocalJWKSet(set), verifyOpts);
          expect(payload.scope).toBe('me');
        } else {
          expect(set).toEqual({ keys: [] });
          const { payload } = await jwtVerify(t.access_token, new TextEncoder().encode(SECRET), verifyOpts);
          expect(payload.scope).toBe('me');
          await expect(s.container.keys.rotate()).rejects.toThrow(/TESSERA_JWT_SECRET/);
        }
      } finally {
        await s.close();
      }
    });
  }

  it('HS256: a token with the right kid and claims but another secret is refused', async () => {
    const s = await startServer(dialect, { TESSERA_JWT_ALG: 'HS256', TESSERA_JWT_SECRET: SECRET });
    try {
      await register(s.app, 'vivien@camelot.bt');
      const real = await passwordGrant(s.app, 'vivien@camelot.bt');
      const forged = await new SignJWT(claimsOf(real.access_token)).setProtectedHeader(headerOf(real.access_token) as { alg: string })
        .sign(new TextEncoder().encode(SECRET.replace('test', 'fake')));
      expect(await meStatus(s.app, real.access_token)).toBe(200);
      expect(await meStatus(s.app, forged)).toBe(401);
      expect((await introspect(s.app, real.access_token, forged)).json()).toEqual({ active: false });
    } finally {
      await s.close();
    }
  });
});

describe.each(DIALECTS)('key rotation (%s)', (dialect) => {
  let s: TestServer;
  let clock = Date.now();
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_ACCESS_TOKEN_TTL: '300' }, { now: () => clock }); });
  afterAll(async () => { await s.close(); });

  it('after rotation new tokens carry the new kid, old tokens still verify, and the JWKS lists both', async () => {
    await register(s.app, 'nimue@camelot.bt');
    const old = await passwordGrant(s.app, 'nimue@camelot.bt');
    const oldKid = headerOf(old.access_token).kid;
    expect((await jwks(s)).keys.map((k) => k.kid)).toEqual([oldKid]);

    const newKid = await s.container.keys.rotate();
    expect(newKid).not.toBe(oldKid);
    const fresh = await passwordGrant(s.app, 'nimue@camelot.bt');
    expect(headerOf(fresh.access_token).kid).toBe(newKid);
    expect(await meStatus(s.app, old.access_token)).toBe(200);
    expect(await meStatus(s.app, fresh.access_token)).toBe(200);
    expect((await introspect(s.app, fresh.access_token, old.access_token)).json().active).toBe(true);
    const set = await jwks(s);
    expect(set.keys.map((k) => k.kid).sort()).toEqual([oldKid, newKid].sort());
    await jwtVerify(old.access_token, createLocalJWKSet(set), { issuer: 'http://tessera.test', audience: 'tessera' });
    await jwtVerify(fresh.access_token, createLocalJWKSet(set), { issuer: 'http://tessera.test', audience: 'tessera' });

    // Once every token the old key signed has expired (plus the reload margin), it is dropped.
    clock += (300 + 121) * 1000;
    await s.container.keys.reload();
    expect((await jwks(s)).keys.map((k) => k.kid)).toEqual([newKid]);
  });

  it('`tessera keys rotate` from another process: the server verifies at once and signs with the new key after its reload', async () => {
    await register(s.app, 'morgause@camelot.bt');
    const before = await passwordGrant(s.app, 'morgause@camelot.bt');
    // What the CLI does: its own container on the same database, rotate, close.
    const config = loadConfig({ TESSERA_DATABASE_URL: s.db.url, TESSERA_LOG_LEVEL: 'silent', TESSERA_PUBLIC_URL: 'http://tessera.test', TESSERA_ACCESS_TOKEN_TTL: '300' });
    const cli = await createContainer({ config, logger: createLogger('silent'), hashParams: TEST_HASH, now: () => clock, ...(s.db.schema ? { dbSchema: s.db.schema } : {}) });
    let rotated: string;
    let fromCli: string;
    try {
      rotated = await cli.keys.rotate();
      // A token the CLI's instance signs with the new key: the server has not seen that kid yet.
      const user = (await cli.repos.users.findByLogin('morgause@camelot.bt'))!;
      fromCli = (await cli.sessions.startSession(user)).accessToken;
    } finally {
      await cli.close();
    }
    clock += 2_000; // past the unknown-kid reload throttle
    expect(await meStatus(s.app, fromCli)).toBe(200);
    await s.container.keys.reload();
    const after = await passwordGrant(s.app, 'morgause@camelot.bt');
    expect(headerOf(after.access_token).kid).toBe(rotated);
    expect(await meStatus(s.app, before.access_token)).toBe(200);
    expect((await jwks(s)).keys.map((k) => k.kid)).toContain(headerOf(before.access_token).kid);
  });
});

describe.each(DIALECTS)('changing TESSERA_JWT_ALG (%s)', (dialect) => {
  it('retires the previous algorithm\'s keys at start, which keep verifying their tokens', async () => {
    const first = await startServer(dialect);
    const db = { ...first.db, drop: async () => undefined };
    await register(first.app, 'lynette@camelot.bt');
    const old = await passwordGrant(first.app, 'lynette@camelot.bt');
    expect(headerOf(old.access_token).alg).toBe('EdDSA');
    const second = await startServer(dialect, { TESSERA_JWT_ALG: 'ES256' }, { db });
    try {
      const fresh = await passwordGrant(second.app, 'lynette@camelot.bt');
      expect(headerOf(fresh.access_token).alg).toBe('ES256');
      expect(await meStatus(second.app, old.access_token)).toBe(200);
      expect((await jwks(second)).keys.map((k) => k.alg).sort()).toEqual(['ES256', 'EdDSA']);
      const stored = await second.container.repos.signingKeys.listUsable(0);
      expect(stored.filter((k) => k.retiredAt === null).map((k) => k.alg)).toEqual(['ES256']);
      // An instance still configured for EdDSA (a rolling change) keeps signing with its retired key.
      await first.container.keys.reload();
      const during = await passwordGrant(first.app, 'lynette@camelot.bt');
      expect(headerOf(during.access_token).alg).toBe('EdDSA');
      expect(await meStatus(second.app, during.access_token)).toBe(200);
    } finally {
      await second.close();
      await first.close();
    }
  });
});
