import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { auth, coreUser, jwtLogin, superuser } from '../../support/users-fixtures.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Access = 'none' | 'me' | 'admin' | 'logout';
/** Every users-face route; `body` says whether it reads a JSON/form body with a schema. */
const ROUTES: { method: Method; url: string; access: Access; body: boolean; fields: string[]; oneOf?: true }[] = [
  { method: 'POST', url: '/auth/jwt/login', access: 'none', body: true, fields: ['username', 'password'] },
  { method: 'POST', url: '/auth/jwt/logout', access: 'logout', body: false, fields: [] },
  { method: 'POST', url: '/auth/cookie/login', access: 'none', body: true, fields: ['username', 'password'] },
  { method: 'POST', url: '/auth/cookie/logout', access: 'logout', body: false, fields: [] },
  { method: 'POST', url: '/auth/register', access: 'none', body: true, fields: ['email', 'password', 'username'] },
  { method: 'POST', url: '/auth/forgot-password', access: 'none', body: true, fields: ['email'] },
  { method: 'POST', url: '/auth/reset-password', access: 'none', body: true, fields: ['token', 'password'] },
  { method: 'POST', url: '/auth/request-verify-token', access: 'none', body: true, fields: ['email'] },
  { method: 'POST', url: '/auth/verify', access: 'none', body: true, fields: ['token'] },
  { method: 'GET', url: '/users/me', access: 'me', body: false, fields: [] },
  { method: 'PATCH', url: '/users/me', access: 'me', body: true, fields: ['email', 'password', 'username', 'old_password', 'new_password'] },
  { method: 'GET', url: '/users', access: 'admin', body: false, fields: [] },
  { method: 'PUT', url: '/users', access: 'admin', body: true, fields: ['email', 'password', 'username', 'is_active', 'scopes'] },
  { method: 'POST', url: '/users', access: 'admin', body: true, fields: ['email', 'password', 'username', 'is_superuser', 'scopes'] },
  { method: 'GET', url: '/users/:target', access: 'admin', body: false, fields: [] },
  { method: 'PATCH', url: '/users/:target', access: 'admin', body: true, fields: ['email', 'password', 'username', 'is_verified', 'scopes'] },
  { method: 'DELETE', url: '/users/0b8e0b7e-1111-4222-8333-444455556666', access: 'admin', body: false, fields: [] },
  // Second factors (the object-valued `credential` and `webauthn` fields are the passkeys module's to check).
  { method: 'GET', url: '/auth/mfa', access: 'me', body: false, fields: [] },
  { method: 'POST', url: '/auth/mfa/totp/enroll', access: 'me', body: false, fields: [] },
  { method: 'POST', url: '/auth/mfa/totp/confirm', access: 'me', body: true, fields: ['code'] },
  { method: 'DELETE', url: '/auth/mfa/totp', access: 'me', body: false, fields: [] },
  { method: 'POST', url: '/auth/mfa/recovery-codes', access: 'me', body: false, fields: [] },
  // One of three answers: a body without one is a 422 on the whole body rather than on each field.
  { method: 'POST', url: '/auth/mfa/verify', access: 'none', body: true, fields: ['mfa_token', 'code', 'recovery_code'], oneOf: true },
  { method: 'POST', url: '/auth/mfa/webauthn/options', access: 'none', body: true, fields: ['mfa_token'] },
  { method: 'POST', url: '/auth/webauthn/register/options', access: 'me', body: false, fields: [] },
  { method: 'POST', url: '/auth/webauthn/register/verify', access: 'me', body: true, fields: ['name'] },
  { method: 'GET', url: '/auth/webauthn/credentials', access: 'me', body: false, fields: [] },
  // Its body is optional (no username: discoverable credentials), and an unknown username answers like a known one.
  { method: 'POST', url: '/auth/webauthn/login/options', access: 'none', body: false, fields: [] },
  { method: 'POST', url: '/auth/webauthn/login/verify', access: 'none', body: true, fields: ['flow_id', 'backend'] },
];

const BIG = 64 * 1024 + 1;

/** The face's error format: `{"detail": …}`, with pydantic-shaped items for 422. Never a 5xx. */
function expectFaceError(res: LightMyRequestResponse, label: string, status?: number) {
  expect(res.statusCode, `${label}: ${res.body}`).toBeLessThan(500);
  if (status !== undefined) expect(res.statusCode, `${label}: ${res.body}`).toBe(status);
  if (res.statusCode < 400) return;
  const body = res.json();
  expect(Object.keys(body), label).toEqual(['detail']);
  if (res.statusCode === 422) {
    expect(Array.isArray(body.detail), label).toBe(true);
    for (const d of body.detail) {
      expect(Object.keys(d).sort(), label).toEqual(['loc', 'msg', 'type']);
      expect(Array.isArray(d.loc) && typeof d.msg === 'string' && typeof d.type === 'string', label).toBe(true);
    }
  }
}

describe.each(DIALECTS)('users face: bad input is never a 500 (%s)', (dialect) => {
  let s: TestServer;
  let adminToken: string;
  let target: string;
  beforeAll(async () => {
    s = await startServer(dialect);
    adminToken = (await superuser(s)).token;
    target = (await coreUser(s, 'target@camelot.bt')).id;
  });
  afterAll(async () => { await s.close(); });

  async function tokenFor(access: Access): Promise<Record<string, string>> {
    if (access === 'none') return {};
    if (access === 'admin') return auth(adminToken);
    // /users/me routes and logouts each get a session of their own, which they may end or change.
    const email = `u${Math.random().toString(36).slice(2)}@camelot.bt`;
    await coreUser(s, email);
    return auth((await jwtLogin(s, email)).access_token);
  }
  async function send(r: (typeof ROUTES)[number], payload: string | Buffer, contentType = 'application/json') {
    const headers = { ...(await tokenFor(r.access)), 'content-type': contentType };
    return s.app.inject({ method: r.method, url: r.url.replace(':target', target), headers, payload });
  }
  const withBody = ROUTES.filter((r) => r.body);

  it.each(ROUTES)('$method $url: malformed JSON is 422 json_invalid (or ignored where no body is read)', async (r) => {
    for (const payload of ['{"email":', '{', 'nul', '{"a" 1}', '\u0000', '{"email": "a@b.co",}']) {
      const res = await send(r, payload);
      if (r.body || res.statusCode === 422) {
        expect(res.statusCode, payload).toBe(422);
        expect(res.json()).toEqual({ detail: [{ loc: ['body', 0], msg: 'JSON decode error', type: 'json_invalid' }] });
      } else expectFaceError(res, payload);
    }
  });

  it.each(withBody)('$method $url: wrong types, arrays, operators, null and scalars are 422', async (r) => {
    const bodies: unknown[] = [[], [{}], null, 'string', 42, true];
    for (const f of r.fields) {
      bodies.push({ [f]: 123 }, { [f]: [1, 2] }, { [f]: { $ne: null } }, { [f]: { $gt: '' } }, { [f]: {} });
    }
    for (const body of bodies) expectFaceError(await send(r, JSON.stringify(body)), JSON.stringify(body), 422);
  });

  it.each(withBody)('$method $url: missing fields are 422 naming each, or accepted when all are optional', async (r) => {
    const res = await send(r, '{}');
    if (r.method === 'PATCH') expect(res.statusCode).toBe(200);
    else {
      expectFaceError(res, '{}', 422);
      if (!r.oneOf) for (const d of res.json().detail) expect(d).toMatchObject({ type: 'missing', msg: 'Field required' });
    }
  });

  it.each(ROUTES)('$method $url: a body over 64 KiB is 413 (GET routes never read one)', async (r) => {
    const json = JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(BIG) });
    const form = `username=a&password=${'x'.repeat(BIG)}`;
    for (const [payload, type] of [[json, 'application/json'], [form, 'application/x-www-form-urlencoded']] as const) {
      const res = await send(r, payload, type);
      if (r.method === 'GET') {
        expect(res.statusCode, type).toBe(200);
        continue;
      }
      expect(res.statusCode, type).toBe(413);
      expect(res.json()).toEqual({ detail: 'Request Entity Too Large' });
    }
  });

  it.each(withBody)('$method $url: __proto__ and constructor.prototype keys are refused, never merged', async (r) => {
    for (const payload of [
      '{"__proto__": {"is_superuser": true}, "email": "p@camelot.bt", "password": "long enough pw"}',
      '{"email": "p@camelot.bt", "constructor": {"prototype": {"is_superuser": true}}}',
      '{"a": {"__proto__": {"x": 1}}}',
    ]) expectFaceError(await send(r, payload), payload, 422);
    const form = await send(r, '__proto__[is_superuser]=true&__proto__=x&constructor[prototype][x]=1&email=p%40camelot.bt', 'application/x-www-form-urlencoded');
    expectFaceError(form, 'form __proto__');
    expect(({} as Record<string, unknown>).is_superuser).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it.each(withBody)('$method $url: other content types, odd encodings and deep nesting are 4xx', async (r) => {
    expectFaceError(await send(r, '<user><email>a@b.co</email></user>', 'application/xml'), 'xml');
    expectFaceError(await send(r, 'email=a@b.co', 'text/plain'), 'text');
    expectFaceError(await send(r, Buffer.from([0x7b, 0x22, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 'invalid utf-8');
    expectFaceError(await send(r, '['.repeat(20_000) + ']'.repeat(20_000)), 'deep nesting');
    expectFaceError(await send(r, JSON.stringify(Object.fromEntries(r.fields.map((f) => [f, 'x'.repeat(5000)])))), 'long strings');
    expectFaceError(await send(r, `email=%E0%A4%A&password=%zz&username=%`, 'application/x-www-form-urlencoded'), 'bad percent-encoding');
    expectFaceError(await send(r, '{"email": 1e999, "password": -0}'), 'huge number');
  });

  it.each(withBody)('$method $url: NUL and control characters in any field are 4xx (PostgreSQL cannot store NUL)', async (r) => {
    const valid: Record<string, unknown> = { username: 'someone', password: 'long enough password', email: 'a@camelot.bt', token: 'x', old_password: 'long enough password' };
    for (const f of r.fields.filter((x) => x in valid || x === 'new_password')) {
      for (const evil of ['nul\u0000byte@camelot.bt', 'nul\u0000byte', '\u0000', 'bell\u0007@camelot.bt', 'line\nbreak']) {
        const res = await send(r, JSON.stringify({ ...valid, [f]: evil }));
        expectFaceError(res, `${f}=${JSON.stringify(evil)}`);
        if (f === 'username' && r.url !== '/auth/jwt/login' && r.url !== '/auth/cookie/login') expect(res.statusCode, `${r.url} ${f}`).toBe(422);
      }
    }
  });

  it('GET /users: odd query strings are 4xx or ignored, never 500', async () => {
    for (const q of ['limit[]=1', 'limit=1&limit=2', 'q[$ne]=x', 'q=a&q=b', `q=${'x'.repeat(2000)}`, 'offset=1e3', 'limit=-0', 'q=%00', 'q=%E0%A4%A']) {
      expectFaceError(await s.app.inject({ url: `/users?${q}`, headers: auth(adminToken) }), q);
    }
  });

  it('an authenticated route answers 401 before looking at a bad body', async () => {
    for (const r of ROUTES.filter((x) => x.access !== 'none' && x.body)) {
      const res = await s.app.inject({ method: r.method, url: r.url.replace(':target', target), payload: { email: 123 } });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
  });
});
