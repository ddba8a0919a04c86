import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { PASS, qs } from '../../support/faces-client.js';

const SIMPLE_PATHS = ['/version', '/pubkey', '/token', '/check', '/refresh_token', '/user'];
const AEGIS_PATHS = ['/auth', '/auth/refresh', '/me'];

async function openapiPaths(s: TestServer): Promise<string[]> {
  const res = await s.app.inject({ url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  return Object.keys(res.json().paths as object);
}

describe.each(DIALECTS)('TESSERA_FACES=users switches the simple and aegis faces off (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_FACES: 'users' }); });
  afterAll(async () => { await s.close(); });

  it('their routes are 404', async () => {
    await s.container.users.create({ email: 'tor@camelot.bt', username: 'tor', password: PASS });
    for (const [method, url] of [['GET', '/version'], ['GET', '/pubkey'], ['GET', `/token?${qs({ user: 'tor', pass: PASS })}`], ['GET', '/check'],
      ['GET', '/refresh_token'], ['DELETE', '/refresh_token'], ['POST', '/user'], ['PATCH', '/user'], ['GET', '/user'], ['DELETE', '/user'],
      ['POST', '/auth/refresh'], ['GET', '/me']] as const) {
      const res = await s.app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json(), `${method} ${url}`).toEqual({ detail: 'Not Found' });
    }
    expect((await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'tor', password: PASS } })).statusCode).toBe(404);
    // The users face itself is there.
    expect((await s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload: { username: 'tor', password: PASS } })).statusCode).toBe(200);
  });

  it('/openapi.json lists only the mounted face\'s routes', async () => {
    const paths = await openapiPaths(s);
    expect(paths).toContain('/auth/jwt/login');
    for (const p of [...SIMPLE_PATHS, ...AEGIS_PATHS]) expect(paths).not.toContain(p);
  });
});

describe.each(DIALECTS)('TESSERA_FACES=simple,aegis mounts just those two (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_FACES: 'simple,aegis' }); });
  afterAll(async () => { await s.close(); });

  it('serves simple and aegis, not the users face, and documents only them', async () => {
    expect((await s.app.inject({ method: 'POST', url: `/user?${qs({ user: 'tor', pass: PASS })}` })).statusCode).toBe(201);
    expect((await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'tor', password: PASS } })).statusCode).toBe(200);
    expect((await s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload: { username: 'tor', password: PASS } })).statusCode).toBe(404);
    const paths = await openapiPaths(s);
    for (const p of [...SIMPLE_PATHS, ...AEGIS_PATHS]) expect(paths).toContain(p);
    expect(paths.some((p) => p.startsWith('/users') || p.startsWith('/auth/jwt'))).toBe(false);
  });
});

describe.each(DIALECTS)('every face mounted: aegis /auth and the users face /auth/* coexist (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect); });
  afterAll(async () => { await s.close(); });

  it('a path no face serves is 404 {"detail": "Not Found"} with the API headers, whatever the method', async () => {
    for (const [method, url] of [['GET', '/nope'], ['GET', '/users/me/extra'], ['DELETE', '/auth/register'], ['PUT', '/oauth/token'],
      ['GET', '/token/x'], ['POST', '/.well-known/nope'], ['GET', `/${'x'.repeat(5000)}`]] as const) {
      const res = await s.app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json(), `${method} ${url}`).toEqual({ detail: 'Not Found' });
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('both answer in their own formats', async () => {
    await s.container.users.create({ email: 'tor@camelot.bt', password: PASS });
    const aegis = await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'tor@camelot.bt', password: 'wrong password' } });
    expect(aegis.json().type).toMatch(/#AuthenticationFailedException$/);
    const users = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload: { username: 'tor@camelot.bt', password: 'wrong password' } });
    expect(users.json()).toEqual({ detail: 'LOGIN_BAD_CREDENTIALS' });
    const paths = await openapiPaths(s);
    for (const p of [...SIMPLE_PATHS, ...AEGIS_PATHS, '/auth/jwt/login', '/users/me']) expect(paths).toContain(p);
  });
});
