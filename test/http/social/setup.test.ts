import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTokenKey } from '../../../src/config/oauth-providers.js';
import { createSecretBox } from '../../../src/crypto/secret-box.js';
import { DIALECTS, startServer } from '../../support/harness.js';
import { bearer } from '../../support/users-client.js';
import { PUBLIC_URL, socialLogin } from './browser.js';
import { CLIENT, startIdp, type TestIdp } from './idp.js';

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const oidcEnv = (issuer: string) => ({
  TESSERA_OAUTH_TESTOIDC_ISSUER: issuer, TESSERA_OAUTH_TESTOIDC_CLIENT_ID: CLIENT.id, TESSERA_OAUTH_TESTOIDC_CLIENT_SECRET: CLIENT.secret,
});

describe.each(DIALECTS)('social login setup (%s)', (dialect) => {
  let idp: TestIdp;
  beforeAll(async () => { idp = await startIdp([`${PUBLIC_URL}/auth/testoidc/callback`]); });
  afterAll(async () => { await idp?.close(); });

  it('with no provider configured there are no provider routes, any name is a users-face 404, and no key is stored', async () => {
    const s = await startServer(dialect);
    try {
      const res = await s.app.inject({ url: '/auth/google/authorize' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ detail: 'Not Found' });
      const doc = (await s.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths).filter((p) => p.endsWith('/authorize'))).toEqual([]);
      expect(await s.container.db.selectFrom('server_secrets').selectAll().execute()).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('TESSERA_OAUTH_TOKEN_KEY seals provider tokens under that key, and none is generated', async () => {
    const key = randomBytes(32).toString('hex');
    const s = await startServer(dialect, { ...oidcEnv(idp.issuer), TESSERA_OAUTH_TOKEN_KEY: key });
    try {
      const { res } = await socialLogin(s.app, idp, 'testoidc', { sub: 'keyed', email: 'keyed@idp.test', email_verified: true });
      const me = (await s.app.inject({ url: '/users/me', headers: bearer(res.json().access_token) })).json() as { id: string };
      const [row] = await s.container.repos.oauthAccounts.listForUser(me.id);
      expect(createSecretBox(decodeTokenKey(key), 'oauth-tokens').open(row!.accessTokenEnc)).toMatch(/\S{20,}/);
      expect(await s.container.db.selectFrom('server_secrets').selectAll().execute()).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('TESSERA_REQUIRE_VERIFIED refuses a social login whose email nobody verified', async () => {
    const s = await startServer(dialect, { ...oidcEnv(idp.issuer), TESSERA_REQUIRE_VERIFIED: 'true' });
    try {
      const { res } = await socialLogin(s.app, idp, 'testoidc', { sub: 'unverified', email: 'unverified@idp.test', email_verified: false });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ detail: 'LOGIN_USER_NOT_VERIFIED' });
      const ok = await socialLogin(s.app, idp, 'testoidc', { sub: 'verified', email: 'verified@idp.test', email_verified: true });
      expect(ok.res.statusCode).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('an unreachable provider is 502 OAUTH_PROVIDER_UNAVAILABLE, never a 500', async () => {
    const s = await startServer(dialect, oidcEnv(`http://127.0.0.1:${await closedPort()}`));
    try {
      const res = await s.app.inject({ url: '/auth/testoidc/authorize' });
      expect(res.statusCode).toBe(502);
      expect(res.json()).toEqual({ detail: 'OAUTH_PROVIDER_UNAVAILABLE' });
    } finally {
      await s.close();
    }
  });
});
