import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';

interface Op {
  requestBody?: { content: Record<string, { schema: { type?: string; required?: string[]; properties?: Record<string, unknown> } }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  parameters?: { in: string; name: string }[];
  security?: Record<string, string[]>[];
}

/** method, OpenAPI path, required body fields (undefined: no body), success status, success has a JSON body, authenticated */
const USERS_ROUTES: [string, string, string[] | undefined, string, boolean, boolean][] = [
  ['post', '/auth/jwt/login', ['username', 'password'], '200', true, false],
  ['post', '/auth/jwt/logout', undefined, '204', false, true],
  ['post', '/auth/cookie/login', ['username', 'password'], '204', false, false],
  ['post', '/auth/cookie/logout', undefined, '204', false, true],
  ['post', '/auth/register', ['email', 'password'], '201', true, false],
  ['post', '/auth/forgot-password', ['email'], '202', false, false],
  ['post', '/auth/reset-password', ['token', 'password'], '200', false, false],
  ['post', '/auth/request-verify-token', ['email'], '202', false, false],
  ['post', '/auth/verify', ['token'], '200', true, false],
  ['get', '/users/me', undefined, '200', true, true],
  ['patch', '/users/me', [], '200', true, true],
  ['get', '/users', undefined, '200', true, true],
  ['put', '/users', ['email', 'password'], '201', true, true],
  ['post', '/users', ['email', 'password'], '201', true, true],
  ['get', '/users/{id}', undefined, '200', true, true],
  ['patch', '/users/{id}', [], '200', true, true],
  ['delete', '/users/{id}', undefined, '204', false, true],
];

describe.each(DIALECTS)('GET /openapi.json and /docs (%s)', (dialect) => {
  let s: TestServer;
  let spec: { openapi: string; paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, { properties: Record<string, unknown> }>; securitySchemes: Record<string, unknown> } };
  beforeAll(async () => {
    s = await startServer(dialect);
    const res = await s.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    spec = res.json();
  });
  afterAll(async () => { await s.close(); });

  it('is an OpenAPI 3 document with the bearer and cookie schemes and a named UserRead', () => {
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.components.securitySchemes).sort()).toEqual(['bearer', 'cookie']);
    expect(Object.keys(spec.components.schemas.UserRead!.properties).sort()).toEqual(['email', 'id', 'is_active', 'is_superuser', 'is_verified', 'scopes', 'username']);
  });

  it.each(USERS_ROUTES)('%s %s is described with its request and response schemas', (method, path, required, ok, hasJson, authed) => {
    const op = spec.paths[path]?.[method];
    expect(op, `${method} ${path} missing`).toBeDefined();
    if (required === undefined) expect(op!.requestBody).toBeUndefined();
    else {
      const json = op!.requestBody!.content['application/json']!.schema;
      expect(json.type).toBe('object');
      expect((json.required ?? []).sort()).toEqual([...required].sort());
      for (const f of required) expect(json.properties).toHaveProperty(f);
    }
    expect(op!.responses).toHaveProperty(ok);
    if (hasJson) expect(op!.responses[ok]!.content!['application/json']!.schema).toBeTruthy();
    for (const code of Object.keys(op!.responses).filter((c) => c.startsWith('4') && c !== '422')) {
      expect(op!.responses[code]!.content!['application/json']!.schema, `${code}`).toMatchObject({ required: ['detail'] });
    }
    if (authed) {
      expect(op!.security).toEqual([{ bearer: [] }, { cookie: [] }]);
      expect(op!.responses).toHaveProperty('401');
    }
  });

  it('login routes accept a form as well as JSON', () => {
    for (const path of ['/auth/jwt/login', '/auth/cookie/login']) {
      expect(Object.keys(spec.paths[path]!.post!.requestBody!.content).sort()).toEqual(['application/json', 'application/x-www-form-urlencoded']);
    }
  });

  it('user-list and id routes document their parameters', () => {
    const list = spec.paths['/users']!.get!.parameters!.map((p) => `${p.in}:${p.name}`).sort();
    expect(list).toEqual(['query:limit', 'query:offset', 'query:q']);
    for (const m of ['get', 'patch', 'delete']) expect(spec.paths['/users/{id}']![m]!.parameters!.map((p) => `${p.in}:${p.name}`)).toEqual(['path:id']);
  });

  it('the documented UserRead matches what the API returns', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'doc@camelot.bt', password: 'long enough password' } });
    expect(Object.keys(res.json()).sort()).toEqual(Object.keys(spec.components.schemas.UserRead!.properties).sort());
  });

  it('GET /docs renders the document as HTML', async () => {
    const res = await s.app.inject({ url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/swagger/i);
  });
});
