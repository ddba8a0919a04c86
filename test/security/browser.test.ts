import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, readOutbox, startServer, type TestServer } from '../support/harness.js';
import { FACE_NAMES, PASSWORD, faceLogin, tokenOf, uniqueEmail } from './support/faces.js';

/** Cookies, CORS, security headers, caching, and the links mailed to users. */
const APP = 'https://app.example';
const EVIL = 'https://evil.example';
const PUBLIC = 'http://tessera.test'; // the harness's TESSERA_PUBLIC_URL

const cookieOf = (res: LightMyRequestResponse) => {
  const c = res.cookies.find((x) => x.name === 'tessera_auth');
  if (!c) throw new Error(`no session cookie: ${res.statusCode} ${res.body}`);
  return c.value;
};

describe.each(DIALECTS)('cookies and CSRF (%s)', (dialect) => {
  let s: TestServer;
  let email: string;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_CORS_ORIGINS: APP });
    email = uniqueEmail('guinevere');
    await s.container.users.create({ email, password: PASSWORD });
  });
  afterAll(async () => s?.close());

  const cookieLogin = (headers: Record<string, string> = {}) =>
    s.app.inject({ method: 'POST', url: '/auth/cookie/login', payload: { username: email, password: PASSWORD }, headers });
  const withCookie = (cookie: string, req: InjectOptions) => s.app.inject({ ...req, cookies: { tessera_auth: cookie } });

  it('cookie login from another site is refused (login CSRF); from the app, the server itself or no browser it works', async () => {
    const foreign: Record<string, string>[] = [{ origin: EVIL }, { origin: 'null' }, { referer: `${EVIL}/page` }, { origin: `${APP}.evil.example` }, { origin: 'https://APP.example.evil' }];
    for (const headers of foreign) {
      const res = await cookieLogin(headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.json()).toEqual({ detail: 'Forbidden' });
      expect(res.cookies).toEqual([]);
    }
    const trusted: Record<string, string>[] = [{ origin: APP }, { origin: 'HTTPS://APP.EXAMPLE:443' }, { origin: PUBLIC }, { referer: `${APP}/login` }, {}];
    for (const headers of trusted) {
      expect((await cookieLogin(headers)).statusCode, JSON.stringify(headers)).toBe(204);
    }
  });

  it('a state-changing request carried by the cookie must come from an allowed origin', async () => {
    const cookie = cookieOf(await cookieLogin());
    const writes: InjectOptions[] = [
      { method: 'PATCH', url: '/users/me', payload: { username: 'hijacked' } },
      { method: 'POST', url: '/auth/cookie/logout' },
      { method: 'POST', url: '/auth/jwt/logout' },
    ];
    for (const req of writes) {
      for (const headers of [{ origin: EVIL }, { origin: 'null' }, { referer: `${EVIL}/x` }]) {
        const res = await withCookie(cookie, { ...req, headers });
        expect(res.statusCode, `${req.method} ${req.url} ${JSON.stringify(headers)}`).toBe(403);
        expect(res.json()).toEqual({ detail: 'Forbidden' });
      }
    }
    // Nothing happened: same user, session alive.
    const me = await withCookie(cookie, { method: 'GET', url: '/users/me', headers: { origin: EVIL } });
    expect(me.statusCode).toBe(200);
    expect(me.json().username).toBeNull();
    // The same write from the app origin works.
    const ok = await withCookie(cookie, { method: 'PATCH', url: '/users/me', payload: { username: 'guinevere' }, headers: { origin: APP } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().username).toBe('guinevere');
  });

  it('a bearer token is not ambient: the Origin check does not apply to it', async () => {
    const token = tokenOf('users', await faceLogin(s.app, 'users', email, PASSWORD));
    const res = await s.app.inject({ method: 'PATCH', url: '/users/me', payload: { username: 'queen' }, headers: { authorization: `Bearer ${token}`, origin: EVIL } });
    expect(res.statusCode).toBe(200);
  });
});

describe('CORS', () => {
  let s: TestServer;
  let bare: TestServer;
  beforeAll(async () => {
    s = await startServer('sqlite', { TESSERA_CORS_ORIGINS: `${APP},http://localhost:3000` });
    bare = await startServer('sqlite');
  });
  afterAll(async () => {
    await s?.close();
    await bare?.close();
  });

  const preflight = (srv: TestServer, origin: string, url = '/auth/jwt/login') => srv.app.inject({
    method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
  });

  it('answers configured origins, with credentials, and names exactly that origin', async () => {
    for (const origin of [APP, 'http://localhost:3000']) {
      const res = await preflight(s, origin);
      expect(res.statusCode).toBeLessThan(300);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      const get = await s.app.inject({ url: '/.well-known/jwks.json', headers: { origin } });
      expect(get.headers['access-control-allow-origin']).toBe(origin);
      expect(String(get.headers.vary)).toMatch(/origin/i);
    }
  });

  it('never reflects an unknown origin, and never answers with a wildcard', async () => {
    for (const srv of [s, bare]) {
      for (const origin of [EVIL, 'null', `${APP}.evil.example`, 'http://localhost:3001', 'https://app.example@evil.example', APP.replace('https', 'http')]) {
        if (srv === bare && origin === APP) continue;
        for (const res of [await preflight(srv, origin), await srv.app.inject({ url: '/users/me', headers: { origin } }), await srv.app.inject({ method: 'POST', url: '/auth/jwt/login', headers: { origin }, payload: { username: 'x', password: 'y' } })]) {
          expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
          expect(res.headers['access-control-allow-credentials']).toBeUndefined();
        }
      }
      const any = await preflight(srv, APP);
      expect(any.headers['access-control-allow-origin'] ?? '').not.toBe('*');
    }
    expect((await preflight(bare, APP)).headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe.each(DIALECTS)('security headers and caching (%s)', (dialect) => {
  let s: TestServer;
  let email: string;
  beforeAll(async () => {
    s = await startServer(dialect);
    email = uniqueEmail('percival');
    await s.container.users.create({ email, password: PASSWORD, username: 'percival', isSuperuser: true });
  });
  afterAll(async () => s?.close());

  it('sets helmet headers on API responses, errors and docs alike', async () => {
    const api = [{ url: '/healthz' }, { url: '/users/me' }, { method: 'POST' as const, url: '/auth/jwt/login', payload: '{', headers: { 'content-type': 'application/json' } }, { url: '/no-such-route' }];
    const documents = [{ url: '/docs/' }, { url: '/docs/static/index.html' }];
    for (const req of [...api, ...documents]) {
      const res = await s.app.inject(req);
      expect(res.statusCode, req.url).toBeLessThan(500);
      const h = res.headers;
      expect(h['x-content-type-options'], req.url).toBe('nosniff');
      expect(h['x-frame-options']).toBe('DENY');
      expect(String(h['content-security-policy'])).toMatch(/frame-ancestors 'none'/);
      expect(h['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(h['referrer-policy']).toBe('no-referrer');
      expect(h['cross-origin-resource-policy']).toBe('same-origin');
      expect(h['x-powered-by']).toBeUndefined();
      if (documents.includes(req)) {
        // HTML: helmet's whole set, and a CSP that lets the page load its own scripts and nothing else.
        expect(String(h['content-security-policy'])).toMatch(/object-src 'none'/);
        expect(String(h['content-security-policy'])).toMatch(/script-src 'self'/);
        expect(h['cross-origin-opener-policy']).toBe('same-origin');
        expect(h['origin-agent-cluster']).toBe('?1');
        expect(h['x-permitted-cross-domain-policies']).toBe('none');
      } else {
        // JSON: nothing may load or frame it.
        expect(h['content-security-policy'], req.url).toBe("default-src 'none';frame-ancestors 'none'");
      }
    }
    const docs = await s.app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toMatch(/swagger-ui/);
  });

  it('no-store on every response that carries a token or user data, on every face', async () => {
    const tokens = Object.fromEntries(await Promise.all(FACE_NAMES.map(async (f) => [f, await faceLogin(s.app, f, email, PASSWORD)] as const)));
    const access = tokenOf('users', tokens.users!);
    const refresh = (tokens.users!.json() as { refresh_token: string }).refresh_token;
    const bearer = { authorization: `Bearer ${access}` };
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const responses: [string, LightMyRequestResponse][] = [
      ...FACE_NAMES.map((f) => [`${f} login`, tokens[f]!] as [string, LightMyRequestResponse]),
      ['cookie login', await s.app.inject({ method: 'POST', url: '/auth/cookie/login', payload: { username: email, password: PASSWORD } })],
      ['users/me', await s.app.inject({ url: '/users/me', headers: bearer })],
      ['users list', await s.app.inject({ url: '/users', headers: bearer })],
      ['user by id', await s.app.inject({ url: `/users/${(await s.container.users.findByEmail(email))!.id}`, headers: bearer })],
      ['patch me', await s.app.inject({ method: 'PATCH', url: '/users/me', payload: {}, headers: bearer })],
      ['register', await s.app.inject({ method: 'POST', url: '/auth/register', payload: { email: uniqueEmail('new'), password: 'yet another password' } })],
      ['refresh grant', await s.app.inject({ method: 'POST', url: '/oauth/token', headers: form, payload: `grant_type=refresh_token&refresh_token=${refresh}` })],
      ['introspect', await s.app.inject({ method: 'POST', url: '/oauth/introspect', headers: { ...bearer, ...form }, payload: `token=${access}` })],
      ['simple check', await s.app.inject({ url: '/check', headers: bearer })],
      ['simple user', await s.app.inject({ url: '/user', headers: bearer })],
      ['simple refresh_token', await s.app.inject({ url: '/refresh_token', headers: { authorization: `Bearer ${tokenOf('simple', tokens.simple!)}` } })],
      ['aegis me', await s.app.inject({ url: '/me', headers: bearer })],
      ['aegis refresh', await s.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: (tokens.aegis!.json() as { refresh_token: string }).refresh_token } })],
      ['an error', await s.app.inject({ url: '/users/me' })],
    ];
    for (const [name, res] of responses) {
      expect(res.statusCode, `${name}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
      expect(String(res.headers['cache-control']), name).toMatch(/no-store/);
    }
  });
});

describe.each(DIALECTS)('mailed links (%s)', (dialect) => {
  it('use TESSERA_PUBLIC_URL, whatever Host or X-Forwarded-* the request claims', async () => {
    const s = await startServer(dialect, { TESSERA_TRUSTED_PROXIES: '127.0.0.1' });
    try {
      const email = uniqueEmail('lamorak');
      await s.container.users.create({ email, password: PASSWORD });
      const spoof = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9', forwarded: 'host=evil.example;proto=https' };
      expect((await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email }, headers: spoof })).statusCode).toBe(202);
      expect((await s.app.inject({ method: 'POST', url: '/auth/request-verify-token', payload: { email }, headers: spoof })).statusCode).toBe(202);
      const mail = await readOutbox(s.outbox, 2);
      expect(mail).toHaveLength(2);
      for (const m of mail) {
        const links = [...`${m.text} ${m.html}`.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((x) => x[0]);
        expect(links.length, m.text).toBeGreaterThan(0);
        for (const link of links) expect(link.startsWith(`${PUBLIC}/`), link).toBe(true);
        expect(`${m.text}${m.html}`).not.toMatch(/evil\.example/);
      }
    } finally {
      await s.close();
    }
  });

  it('without TESSERA_PUBLIC_URL, use the configured listen address, never the Host header', async () => {
    const s = await startServer(dialect, { TESSERA_PUBLIC_URL: '', TESSERA_HOST: '127.0.0.1', TESSERA_PORT: '8123' });
    try {
      const email = uniqueEmail('dagonet');
      await s.container.users.create({ email, password: PASSWORD });
      await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email }, headers: { host: 'evil.example' } });
      const [m] = await readOutbox(s.outbox, 1);
      expect(m!.text).toContain('http://127.0.0.1:8123/reset-password?token=');
      expect(`${m!.text}${m!.html}`).not.toMatch(/evil\.example/);
    } finally {
      await s.close();
    }
  });
});
