import { createServer } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { register } from '../../support/users-client.js';

/** A free local port, so the issuer can name the real address before the server starts. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** Introspection and revocation callers authenticate with a Bearer access token: a custom ClientAuth. */
const bearerAuth = (token: string): oidc.ClientAuth => (_as, _client, _body, headers) => {
  headers.set('authorization', `Bearer ${token}`);
};

/**
 * openid-client v6, a client nobody here wrote, against a real listening
 * server: discovery, password and refresh grants, introspection, revocation.
 */
describe.each(DIALECTS)('openid-client against a live server (%s)', (dialect) => {
  let s: TestServer;
  let issuer: URL;
  const discover = (auth: oidc.ClientAuth = oidc.None(), algorithm: 'oauth2' | 'oidc' = 'oauth2') =>
    oidc.discovery(issuer, 'tessera-test-client', undefined, auth, { execute: [oidc.allowInsecureRequests], algorithm });

  beforeAll(async () => {
    const port = await freePort();
    s = await startServer(dialect, { TESSERA_PUBLIC_URL: `http://127.0.0.1:${port}` });
    await s.app.listen({ port, host: '127.0.0.1' });
    issuer = new URL(s.container.publicUrl);
    await register(s.app, 'arthur@camelot.bt', 'correct horse battery', { username: 'arthur' });
  });
  afterAll(async () => { await s.close(); });

  it('discovers through RFC 8414 and OpenID metadata', async () => {
    for (const algorithm of ['oauth2', 'oidc'] as const) {
      const config = await discover(oidc.None(), algorithm);
      expect(config.serverMetadata()).toMatchObject({
        issuer: issuer.origin, token_endpoint: `${issuer.origin}/oauth/token`, revocation_endpoint: `${issuer.origin}/oauth/revoke`,
      });
    }
  });

  it('password grant, refresh grant, introspection, revocation', async () => {
    const config = await discover();
    const tokens = await oidc.genericGrantRequest(config, 'password', { username: 'arthur', password: 'correct horse battery', scope: 'me' });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('me');
    expect(tokens.expiresIn()).toBeGreaterThan(800);

    // A resource server verifies the access token with nothing but the discovered JWKS.
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: issuer.origin, audience: 'tessera' });
    expect(payload).toMatchObject({ scope: 'me', fresh: true });

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.access_token).not.toBe(tokens.access_token);

    const rs = await discover(bearerAuth(refreshed.access_token));
    const info = await oidc.tokenIntrospection(rs, refreshed.access_token);
    expect(info).toMatchObject({ active: true, username: 'arthur', scope: 'me', token_type: 'access_token', iss: issuer.origin });
    expect(await oidc.tokenIntrospection(rs, refreshed.refresh_token!)).toMatchObject({ active: true, token_type: 'refresh_token' });
    // The first refresh token was rotated away.
    expect(await oidc.tokenIntrospection(rs, tokens.refresh_token!)).toEqual({ active: false });

    await oidc.tokenRevocation(rs, refreshed.refresh_token!, { token_type_hint: 'refresh_token' });
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant', status: 400 });
    // The session is over, so the caller's own access token is refused too.
    await expect(oidc.tokenIntrospection(rs, refreshed.access_token)).rejects.toMatchObject({ status: 401 });
  });

  it('surfaces RFC 6749 errors as the library expects them', async () => {
    const config = await discover();
    await expect(oidc.genericGrantRequest(config, 'password', { username: 'arthur', password: 'wrong password' }))
      .rejects.toMatchObject({ error: 'invalid_grant', status: 400, error_description: expect.any(String) });
    await expect(oidc.genericGrantRequest(config, 'password', { username: 'arthur', password: 'correct horse battery', scope: 'admin' }))
      .rejects.toMatchObject({ error: 'invalid_scope', status: 400 });
    await expect(oidc.genericGrantRequest(config, 'client_credentials', {}))
      .rejects.toMatchObject({ error: 'unsupported_grant_type', status: 400 });
    await expect(oidc.refreshTokenGrant(config, 'not-a-real-refresh-token'))
      .rejects.toMatchObject({ error: 'invalid_grant', status: 400 });
  });
});
