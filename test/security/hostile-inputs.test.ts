import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, readOutbox, startServer, type TestServer } from '../support/harness.js';
import { PASSWORD, errorShape, faceLogin, tokenOf, uniqueEmail, type FaceName } from './support/faces.js';

/**
 * Bodies and arguments an attacker controls: every one is answered with a
 * 4xx in the face's own format, never a 500, and never changes anyone's
 * privileges.
 */
const json = (payload: string) => ({ payload, headers: { 'content-type': 'application/json' } });
const formBody = (payload: string) => ({ payload, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
const qs = (o: Record<string, string>) => new URLSearchParams(o).toString();

/** One body-taking route per face (login-like) plus the other body routes, with how each carries fields. */
const BODY_ROUTES: { face: FaceName; method: 'POST' | 'PATCH'; url: string; fields: string[] }[] = [
  { face: 'users', method: 'POST', url: '/auth/jwt/login', fields: ['username', 'password'] },
  { face: 'users', method: 'POST', url: '/auth/cookie/login', fields: ['username', 'password'] },
  { face: 'users', method: 'POST', url: '/auth/register', fields: ['email', 'password'] },
  { face: 'users', method: 'POST', url: '/auth/forgot-password', fields: ['email'] },
  { face: 'users', method: 'POST', url: '/auth/request-verify-token', fields: ['email'] },
  { face: 'users', method: 'POST', url: '/auth/reset-password', fields: ['token', 'password'] },
  { face: 'users', method: 'POST', url: '/auth/verify', fields: ['token'] },
  { face: 'oauth2', method: 'POST', url: '/oauth/token', fields: ['grant_type', 'username', 'password'] },
  { face: 'simple', method: 'POST', url: '/user', fields: ['user', 'pass'] },
  { face: 'aegis', method: 'POST', url: '/auth', fields: ['username', 'password'] },
  { face: 'aegis', method: 'POST', url: '/auth/refresh', fields: ['refresh_token'] },
];

describe.each(DIALECTS)('hostile inputs (%s)', (dialect) => {
  let s: TestServer;
  let admin: { id: string; email: string };
  let mallory: { id: string; email: string };
  beforeAll(async () => {
    s = await startServer(dialect);
    const a = await s.container.users.create({ email: 'admin@camelot.bt', username: 'admin', password: PASSWORD, isSuperuser: true, isVerified: true });
    const m = await s.container.users.create({ email: 'mallory@camelot.bt', username: 'mallory', password: PASSWORD });
    admin = { id: a.id, email: a.email! };
    mallory = { id: m.id, email: m.email! };
  });
  afterAll(async () => s?.close());

  const send = (r: (typeof BODY_ROUTES)[number], extra: Partial<InjectOptions>) => s.app.inject({ method: r.method, url: r.url, ...extra } as InjectOptions);

  /** Every response a 4xx in the face format; the privileged users unchanged afterwards. */
  async function expectRefused(face: FaceName, res: LightMyRequestResponse, label: string) {
    expect(res.statusCode, `${label}: ${res.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
    expect(res.statusCode, `${label}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
    expect(errorShape(face, res), `${label} not in the ${face} format: ${res.body.slice(0, 300)}`).toBe(true);
  }

  async function expectNoPrivilegeChange() {
    const m = (await s.container.users.get(mallory.id));
    expect([m.isSuperuser, m.isVerified, m.scopes, m.isActive]).toEqual([false, false, [], true]);
    const a = await s.container.users.get(admin.id);
    expect([a.email, a.isSuperuser, a.isActive]).toEqual([admin.email, true, true]);
    const all = (await s.container.users.list({ limit: 1000, offset: 0 })).items;
    expect(all.filter((u) => u.isSuperuser).map((u) => u.id)).toEqual([admin.id]);
    expect(all.filter((u) => u.scopes.length > 0)).toEqual([]);
  }

  afterAll(async () => {
    if (s) await expectNoPrivilegeChange();
  });

  it('bodies over 64 KiB are 413 in every face format', async () => {
    const big = 'x'.repeat(65 * 1024);
    for (const r of BODY_ROUTES) {
      await expectRefused(r.face, await send(r, json(JSON.stringify(Object.fromEntries(r.fields.map((f) => [f, big]))))), `${r.url} json`);
      await expectRefused(r.face, await send(r, formBody(qs(Object.fromEntries(r.fields.map((f) => [f, big]))))), `${r.url} form`);
      expect((await send(r, json(JSON.stringify({ [r.fields[0]!]: big })))).statusCode).toBe(413);
    }
  });

  it('malformed JSON is a 4xx', async () => {
    for (const r of BODY_ROUTES) {
      for (const body of ['{', '{"a":', '[', 'nul', '{"a" 1}', '\u0000', '{"a":"\\u00"}', '"just a string"', '123', 'null', '[]', '{}'.repeat(3)]) {
        await expectRefused(r.face, await send(r, json(body)), `${r.url} ${JSON.stringify(body)}`);
      }
    }
  });

  it('type confusion: operators, arrays, numbers, nulls and objects for strings', async () => {
    const values: unknown[] = [{ $ne: null }, { $gt: '' }, ['admin@camelot.bt'], [], 0, 1e308, true, null, { toString: 'x' }, [{ $where: '1' }]];
    for (const r of BODY_ROUTES) {
      for (const v of values) {
        const body = Object.fromEntries(r.fields.map((f) => [f, f === 'grant_type' ? 'password' : v]));
        await expectRefused(r.face, await send(r, json(JSON.stringify(body))), `${r.url} ${JSON.stringify(v)}`);
      }
    }
    // Form bodies repeat a field to make an array.
    await expectRefused('users', await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...formBody('username=admin&username=mallory&password=x') }), 'repeated form field');
    await expectRefused('oauth2', await s.app.inject({ method: 'POST', url: '/oauth/token', ...formBody('grant_type=password&username=admin&username=x&password=y') }), 'repeated form field');
    await expectRefused('simple', await s.app.inject({ method: 'GET', url: '/token?user=admin&user=mallory&pass=x' }), 'repeated query argument');
  });

  it('__proto__ and constructor keys never reach an object, whatever the encoding', async () => {
    const poison = [
      '{"__proto__":{"is_superuser":true},"email":"p1@camelot.bt","password":"a good long password"}',
      '{"email":"p2@camelot.bt","password":"a good long password","constructor":{"prototype":{"is_superuser":true}}}',
      '{"email":"p3@camelot.bt","password":"a good long password","nested":{"__proto__":{"scopes":["admin"]}}}',
    ];
    for (const body of poison) await expectRefused('users', await s.app.inject({ method: 'POST', url: '/auth/register', ...json(body) }), body);
    for (const r of BODY_ROUTES) {
      await expectRefused(r.face, await send(r, json('{"__proto__":{"admin":true}}')), `${r.url} __proto__`);
      const res = await send(r, formBody('__proto__[is_superuser]=true&constructor[prototype][x]=1&__proto__=y'));
      expect(res.statusCode, `${r.url} form __proto__`).toBeLessThan(500);
    }
    const q = await s.app.inject({ method: 'POST', url: `/user?${qs({ __proto__: 'x', user: 'protouser', pass: 'a good long password' })}&constructor[prototype][admin]=1` });
    expect(q.statusCode).toBeLessThan(500);
    expect(({} as Record<string, unknown>).is_superuser).toBeUndefined();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('SQL metacharacters are data, never code', async () => {
    const sqls = ["' OR '1'='1", "admin@camelot.bt' --", "'; DROP TABLE users; --", '" OR ""="', 'admin%', '%', '_', '\\', "' UNION SELECT * FROM users --"];
    for (const v of sqls) {
      for (const face of ['users', 'oauth2', 'simple', 'aegis'] as const) {
        const res = await faceLogin(s.app, face, v, v);
        expect(res.statusCode, `${face} ${v}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
        expect(errorShape(face, res)).toBe(true);
      }
      expect((await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: v } })).statusCode).toBeLessThan(500);
    }
    // An admin search with wildcards matches them literally.
    const token = tokenOf('users', await faceLogin(s.app, 'users', admin.email, PASSWORD));
    for (const q of ['%', '_', "' OR 1=1 --", '\\']) {
      const res = await s.app.inject({ url: `/users?${qs({ q })}`, headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual([]);
    }
    expect((await s.container.users.list({ limit: 1000, offset: 0 })).total).toBeGreaterThanOrEqual(2);
  });

  it('NUL bytes anywhere are a 4xx in the face format', async () => {
    for (const r of BODY_ROUTES) {
      for (const f of r.fields) {
        const body = Object.fromEntries(r.fields.map((x) => [x, x === f ? 'ad\u0000min' : x === 'grant_type' ? 'password' : 'admin']));
        await expectRefused(r.face, await send(r, json(JSON.stringify(body))), `${r.url} ${f} json`);
        await expectRefused(r.face, await send(r, formBody(qs(body))), `${r.url} ${f} form`);
      }
    }
    await expectRefused('users', await s.app.inject({ method: 'POST', url: '/auth/register', ...json(JSON.stringify({ email: 'nul@camelot.bt', password: PASSWORD, username: 'nul\u0000' })) }), 'register username');
    await expectRefused('simple', await s.app.inject({ method: 'GET', url: `/token?${qs({ user: 'admin\u0000', pass: PASSWORD })}` }), 'simple query');
    await expectRefused('simple', await s.app.inject({ method: 'POST', url: `/user?${qs({ user: 'nul\u0000user', pass: PASSWORD })}` }), 'simple register');
    await expectRefused('users', await s.app.inject({ method: 'GET', url: '/users/%00' }), 'path param');
  });

  it('10 KB tokens in bodies, arguments and headers are refused, not crashed on', async () => {
    const huge = 'A'.repeat(10 * 1024);
    const cases: [FaceName, InjectOptions][] = [
      ['users', { method: 'POST', url: '/auth/verify', payload: { token: huge } }],
      ['users', { method: 'POST', url: '/auth/reset-password', payload: { token: huge, password: PASSWORD } }],
      ['users', { method: 'GET', url: '/users/me', headers: { authorization: `Bearer ${huge}` } }],
      ['users', { method: 'GET', url: '/users/me', cookies: { tessera_auth: huge } }],
      ['oauth2', { method: 'POST', url: '/oauth/token', ...formBody(qs({ grant_type: 'refresh_token', refresh_token: huge })) }],
      ['simple', { method: 'GET', url: `/token?${qs({ user: huge })}` }],
      ['simple', { method: 'GET', url: `/check?${qs({ access_token: huge })}` }],
      ['aegis', { method: 'POST', url: '/auth/refresh', payload: { refresh_token: huge } }],
      ['aegis', { method: 'GET', url: '/me', headers: { authorization: `Bearer ${huge}` } }],
    ];
    for (const [face, req] of cases) await expectRefused(face, await s.app.inject(req), `${face} ${req.url}`);
    // Introspection and revocation of an unknown token answer normally.
    const token = tokenOf('users', await faceLogin(s.app, 'users', mallory.email, PASSWORD));
    for (const url of ['/oauth/introspect', '/oauth/revoke']) {
      const res = await s.app.inject({ method: 'POST', url, payload: qs({ token: huge }), headers: { ...formBody('').headers, authorization: `Bearer ${token}` } });
      expect(res.statusCode, url).toBe(200);
    }
  });

  it('fullwidth and homoglyph emails cannot claim, reach or mail another account', async () => {
    const fullwidth = 'ａｄｍｉｎ@camelot.bt';
    const cyrillic = 'аdmin@camelot.bt'; // Cyrillic а
    const dotless = 'admın@camelot.bt'; // dotless ı folds to I, then i, in naive case mapping
    for (const email of [fullwidth, cyrillic, dotless, 'admin@camelot.bt\u200b', 'ADMIN@CAMELOT.BT']) {
      const reg = await s.app.inject({ method: 'POST', url: '/auth/register', payload: { email, password: 'another good password' } });
      expect(reg.statusCode, email).toBeGreaterThanOrEqual(400);
      expect(reg.statusCode, email).toBeLessThan(500);
      const forgot = await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email } });
      expect(forgot.statusCode).toBeLessThan(500);
    }
    // Usernames that fold to an existing one are taken, not a second account.
    for (const username of ['ａｄｍｉｎ', 'ADMIN', 'Admin']) {
      const res = await s.app.inject({ method: 'POST', url: '/auth/register', payload: { email: uniqueEmail('twin'), password: 'another good password', username } });
      expect(res.statusCode, username).toBe(400);
      expect(res.json()).toEqual({ detail: 'REGISTER_USER_ALREADY_EXISTS' });
    }
    for (const user of ['ａｄｍｉｎ', 'ADMIN']) {
      expect((await s.app.inject({ method: 'POST', url: `/user?${qs({ user, pass: 'another good password' })}` })).statusCode, user).toBe(403);
    }
    // A reset asked for a variant of the address goes to the stored address, never to the variant.
    await s.container.accountTokens.drain();
    const before = (await readOutbox(s.outbox, 0, 0)).length;
    expect((await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: 'ADMIN@Camelot.BT' } })).statusCode).toBe(202);
    await s.container.accountTokens.drain();
    const mail = (await readOutbox(s.outbox, before + 1)).slice(before);
    expect(mail.map((m) => m.to)).toEqual([admin.email]);
  });
});

describe.each(DIALECTS)('password rules (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect);
  });
  afterAll(async () => s?.close());

  const register = (email: string, password: string, username?: string) =>
    s.app.inject({ method: 'POST', url: '/auth/register', payload: { email, password, ...(username ? { username } : {}) } });

  it('8 to 256 characters by default, counted as characters, each refusal with a reason', async () => {
    const cases: [string, RegExp | null][] = [
      ['short77', /at least 8/],
      ['ééééééé', /at least 8/], // 7 characters, 14 bytes
      ['x'.repeat(257), /at most 256/],
      ['😀'.repeat(257), /at most 256/],
      ['x'.repeat(256), null],
      ['😀'.repeat(8), null],
    ];
    for (const [password, reason] of cases) {
      const res = await register(uniqueEmail('len'), password);
      if (!reason) {
        expect(res.statusCode, password).toBe(201);
        continue;
      }
      expect(res.statusCode).toBe(400);
      const body = res.json() as { detail: { code: string; reason: string } };
      expect(body.detail.code).toBe('REGISTER_INVALID_PASSWORD');
      expect(body.detail.reason).toMatch(reason);
    }
  });

  it('refuses common passwords from the maintained list, whatever their case', async () => {
    for (const password of ['password', 'Password1', 'iloveyou', 'QWERTYUIOP', '123456789', 'baseball']) {
      const res = await register(uniqueEmail('common'), password);
      expect(res.statusCode, password).toBe(400);
      expect(res.json().detail).toEqual({ code: 'REGISTER_INVALID_PASSWORD', reason: expect.stringMatching(/common/i) });
    }
    // The same rule on every face and every password change.
    const simple = await s.app.inject({ method: 'POST', url: `/user?${qs({ user: 'commoner', pass: 'password1' })}` });
    expect(simple.statusCode).toBe(400);
    expect(simple.json().message).toMatch(/common/i);
  });

  it('refuses a password equal to the email or username', async () => {
    const email = uniqueEmail('self');
    for (const [password, username] of [[email, undefined], [email.toUpperCase(), undefined], ['lancelot-du-lac', 'lancelot-du-lac'], ['LANCELOT-du-lac', 'lancelot-du-lac']] as const) {
      const res = await register(email, password, username);
      expect(res.statusCode, password).toBe(400);
      expect(res.json().detail.reason).toMatch(/email or username/);
    }
  });

  it('normalises passwords to NFC: a password typed precomposed or decomposed is the same password', async () => {
    const email = uniqueEmail('nfc');
    const decomposed = 'cafe\u0301 au lait, s\u0301il vous plait';
    const precomposed = decomposed.normalize('NFC');
    expect(decomposed).not.toBe(precomposed);
    expect((await register(email, decomposed)).statusCode).toBe(201);
    expect((await faceLogin(s.app, 'users', email, precomposed)).statusCode).toBe(200);
    expect((await faceLogin(s.app, 'aegis', email, decomposed)).statusCode).toBe(200);
  });
});
