import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { claimsOf } from '../../support/faces-client.js';

describe.each(DIALECTS)('oauth2 metadata (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_PUBLIC_URL: 'https://auth.camelot.bt/' }); });
  afterAll(async () => { await s.close(); });

  it('RFC 8414 metadata names the endpoints under the public URL, at both well-known addresses', async () => {
    const a = await s.app.inject({ url: '/.well-known/oauth-authorization-server' });
    const b = await s.app.inject({ url: '/.well-known/openid-configuration' });
    expect(a.statusCode).toBe(200);
    expect(a.headers['content-type']).toMatch(/^application\/json/);
    expect(b.json()).toEqual(a.json());
    expect(a.json()).toEqual({
      issuer: 'https://auth.camelot.bt',
      token_endpoint: 'https://auth.camelot.bt/oauth/token',
      introspection_endpoint: 'https://auth.camelot.bt/oauth/introspect',
      revocation_endpoint: 'https://auth.camelot.bt/oauth/revoke',
      jwks_uri: 'https://auth.camelot.bt/.well-known/jwks.json',
      grant_types_supported: ['password', 'refresh_token'],
      response_types_supported: [],
      scopes_supported: ['me', 'admin'],
      token_endpoint_auth_methods_supported: ['none'],
      introspection_endpoint_auth_methods_supported: ['Bearer'],
      revocation_endpoint_auth_methods_supported: ['Bearer'],
      subject_types_supported: ['public'],
      service_documentation: 'https://auth.camelot.bt/docs',
    });
  });

  it('the issuer is what access tokens carry as iss', async () => {
    await s.app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'ector@camelot.bt', password: 'correct horse battery' } });
    const res = await s.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'password', username: 'ector@camelot.bt', password: 'correct horse battery' } });
    const iss = claimsOf(res.json().access_token).iss;
    expect(iss).toBe((await s.app.inject({ url: '/.well-known/oauth-authorization-server' })).json().issuer);
  });

  it('JWKS: public keys only, with kid, cacheable briefly', async () => {
    const res = await s.app.inject({ url: '/.well-known/jwks.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    const { keys } = res.json();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toEqual({ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: expect.any(String), alg: 'EdDSA', use: 'sig' });
  });

  it('the face is listed in the OpenAPI document', async () => {
    const paths = Object.keys((await s.app.inject({ url: '/openapi.json' })).json().paths);
    for (const p of ['/oauth/token', '/oauth/introspect', '/oauth/check_token', '/oauth/revoke', '/.well-known/jwks.json', '/.well-known/oauth-authorization-server']) {
      expect(paths).toContain(p);
    }
  });

  it('is not mounted when TESSERA_FACES leaves it out', async () => {
    const other = await startServer(dialect, { TESSERA_FACES: 'users' });
    try {
      expect((await other.app.inject({ method: 'POST', url: '/oauth/token', payload: {} })).statusCode).toBe(404);
      expect((await other.app.inject({ url: '/.well-known/jwks.json' })).statusCode).toBe(404);
    } finally {
      await other.close();
    }
  });
});
