import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestServer } from '../../support/harness.js';
import { ME_SCOPE, PASSWORD, as, oauthToken, startWisdomServer, wisdomAdmin } from '../../support/wisdom-client.js';

/** Roles are named sets of described scopes; a user's effective scopes include its roles' scopes. */
describe.each(DIALECTS)('wisdom roles and effective scopes (%s)', (dialect) => {
  let s: TestServer;
  let admin: string;
  let reports: { id: number; name: string; description: string; value: string };
  let analyst: { id: number };
  beforeAll(async () => {
    s = await startWisdomServer(dialect);
    admin = (await wisdomAdmin(s)).token;
    reports = await s.container.roles.defineScope({ name: 'Reports', description: 'Read the water reports', value: 'reports:read' });
    analyst = await s.container.roles.createRole({ name: 'analyst', description: 'Reads reports' }, ['reports:read', 'undefined:scope']);
  });
  afterAll(async () => { await s.close(); });

  const put = (body: object) => as(s, admin).send('PUT', '/users', { first_name: 'Ywain', last_name: 'of Gore', password: PASSWORD, ...body });
  const introspect = (token: string, scope?: string) => s.app.inject({
    method: 'POST', url: '/oauth/introspect', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token, ...(scope ? { scope } : {}) }).toString(),
  });
  const ANALYST = () => ({ id: analyst.id, name: 'analyst', description: 'Reads reports', scopes: [reports] });

  it('a user created with a role lists it with its scopes; its token carries them and introspection reports them', async () => {
    const res = await put({ username: 'ywain', roles: ['analyst'] });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ username: 'ywain', scopes: [ME_SCOPE], roles: [ANALYST()] });
    const t = await oauthToken(s, 'ywain');
    expect(t.scope.split(' ').sort()).toEqual(['me', 'reports:read']);
    expect((await oauthToken(s, 'ywain', PASSWORD, 'reports:read')).scope).toBe('reports:read');
    expect((await introspect(t.access_token, 'reports:read')).json()).toMatchObject({ active: true, username: 'ywain' });
    expect((await introspect(t.access_token)).json().scope.split(' ').sort()).toEqual(['me', 'reports:read']);
  });

  it('a role granted by PATCH counts in the next token; an empty role list changes nothing, as in wisdom', async () => {
    const made = (await put({ username: 'gareth' })).json();
    expect((await oauthToken(s, 'gareth')).scope).toBe('me');
    const patched = await as(s, admin).send('PATCH', `/users/${made.id}`, { roles: ['analyst'] });
    expect(patched.json()).toMatchObject({ roles: [ANALYST()] });
    expect((await oauthToken(s, 'gareth', PASSWORD, 'reports:read')).scope).toBe('reports:read');
    expect((await as(s, admin).send('PATCH', `/users/${made.id}`, { roles: [] })).json()).toMatchObject({ roles: [ANALYST()] });
    expect((await as(s, admin).get(`/users/${made.id}`)).json()).toMatchObject({ roles: [ANALYST()] });
  });

  it('a scope taken off the role is gone from the user\'s refresh tokens and from new tokens', async () => {
    await put({ username: 'gaheris', roles: ['analyst'] });
    const t = await oauthToken(s, 'gaheris');
    expect((await introspect(t.refresh_token, 'reports:read')).json()).toMatchObject({ active: true, token_type: 'refresh_token' });
    await s.container.roles.setRoleScopes(analyst.id, []);
    try {
      expect((await introspect(t.refresh_token, 'reports:read')).json()).toEqual({ active: false });
      expect((await introspect(t.refresh_token)).json()).toMatchObject({ active: true, scope: 'me' });
      expect((await oauthToken(s, 'gaheris')).scope).toBe('me');
    } finally {
      await s.container.roles.setRoleScopes(analyst.id, ['reports:read']);
    }
  });

  it('a granted scope with a definition is listed among the user\'s own scopes', async () => {
    const res = await put({ username: 'kay', scopes: 'me reports:read' });
    expect(res.json()).toMatchObject({ scopes: [ME_SCOPE, reports], roles: [] });
  });
});
