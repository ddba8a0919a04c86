import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, readOutbox, startServer, type TestServer } from '../support/harness.js';
import { PASSWORD, coreUser, form } from '../support/users-fixtures.js';
import { alertOf, csrfOf, mailTo, pagesClient } from '../support/pages-client.js';

const PAGES = ['/login', '/register', '/forgot-password', '/reset-password?token=x', '/verify?token=x'];

describe.each(DIALECTS)('hosted pages over HTTP (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_COOKIE_SECURE: 'false', TESSERA_PRODUCT_NAME: 'Camelot ID', TESSERA_CORS_ORIGINS: 'https://app.camelot.bt' });
    await coreUser(s, 'arthur@camelot.bt', { isVerified: true });
    await coreUser(s, 'merlin@camelot.bt', { isVerified: true, isSuperuser: true });
  });
  afterAll(async () => { await s.close(); });

  const signedIn = async (login = 'arthur@camelot.bt', returnTo?: string) => {
    const c = pagesClient(s);
    const res = await c.submit('/login', { username: login, password: PASSWORD, ...(returnTo ? { return_to: returnTo } : {}) });
    return { c, res };
  };

  it.each(PAGES)('%s is HTML in the product name, framed by nobody, with a CSP that allows no inline script', async (url) => {
    const res = await pagesClient(s).get(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('Camelot ID');
    expect(res.headers['x-frame-options']).toBe('DENY');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('every input of every page has a label', async () => {
    const { c } = await signedIn('merlin@camelot.bt');
    const arthur = (await s.container.users.findByEmail('arthur@camelot.bt'))!;
    for (const url of [...PAGES, '/account', '/admin', `/admin/users/${arthur.id}`, '/admin/audit', '/admin/webhooks']) {
      const html = (url.startsWith('/a') ? await c.get(url) : await pagesClient(s).get(url)).body;
      expect(html).toContain('<h1>');
      const ids = [...html.matchAll(/<input (?![^>]*(type="hidden"|type="checkbox"| hidden))[^>]*id="([^"]+)"/g)].map((m) => m[2]);
      // Checkboxes sit inside their <label>; hidden inputs are not shown.
      expect(html.match(/<input type="checkbox"/g)?.length ?? 0).toBe(html.match(/<label class="check"><input type="checkbox"/g)?.length ?? 0);
      for (const id of ids) expect(html, `${url} #${id}`).toContain(`<label for="${id}">`);
    }
  });

  it('the stylesheet is served with long caching under a content-versioned name', async () => {
    const html = (await pagesClient(s).get('/login')).body;
    const href = /<link rel="stylesheet" href="([^"]+)"/.exec(html)![1]!;
    const res = await s.app.inject({ url: href });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/css/);
    expect(res.headers['cache-control']).toContain('immutable');
    expect(res.body).toContain('prefers-color-scheme: dark');
  });

  it('the passkeys script is a file served like the stylesheet; /login offers "Sign in with a passkey" (shown by it)', async () => {
    const html = (await pagesClient(s).get('/login')).body;
    expect(html).toContain('>Sign in with a passkey</button>');
    const src = /<script src="([^"]+)" defer><\/script>/.exec(html)![1]!;
    const res = await s.app.inject({ url: src });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(res.headers['cache-control']).toContain('immutable');
    expect(res.body).toContain('/auth/webauthn/login/options');
  });

  describe('CSRF', () => {
    it('a login posted without a CSRF token is 403 and signs nobody in', async () => {
      const c = pagesClient(s);
      await c.get('/login');
      const res = await c.post('/login', { username: 'arthur@camelot.bt', password: PASSWORD });
      expect(res.statusCode).toBe(403);
      expect(alertOf(res.body)).toMatch(/expired or did not come from this site/);
      expect(res.cookies.find((k) => k.name === 'tessera_auth')).toBeUndefined();
    });

    it('a token from another browser (another CSRF secret) is refused too', async () => {
      const other = csrfOf((await pagesClient(s).get('/register')).body);
      const c = pagesClient(s);
      await c.get('/register');
      const res = await c.post('/register', { _csrf: other, email: 'mordred@camelot.bt', password: PASSWORD });
      expect(res.statusCode).toBe(403);
      expect(await s.container.users.findByEmail('mordred@camelot.bt')).toBeUndefined();
    });

    it('a repeated CSRF field, or a JSON body, is refused like a missing one (403, never a 500)', async () => {
      const c = pagesClient(s);
      const csrf = csrfOf((await c.get('/login')).body);
      const repeated = await s.app.inject({
        method: 'POST', url: '/login', payload: `_csrf=${csrf}&_csrf=${csrf}&username=arthur%40camelot.bt&password=x`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...c.jar].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      expect(repeated.statusCode).toBe(403);
      const json = await s.app.inject({ method: 'POST', url: '/login', payload: { username: 'arthur@camelot.bt', password: PASSWORD } });
      expect(json.statusCode).toBe(403);
    });

    it('a forged account change is 403 and changes nothing', async () => {
      const { c } = await signedIn();
      const res = await c.post('/account/profile', { _csrf: 'forged', email: 'arthur@camelot.bt', username: 'hijacked' });
      expect(res.statusCode).toBe(403);
      expect((await s.container.users.findByEmail('arthur@camelot.bt'))!.username).toBeNull();
    });

    it('a forged sign-out is 403 and the session lives on', async () => {
      const { c } = await signedIn();
      expect((await c.post('/logout', {})).statusCode).toBe(403);
      expect((await c.get('/account')).statusCode).toBe(200);
    });
  });

  describe('sign in', () => {
    it('sets the users face cookie and lands on /account', async () => {
      const { c, res } = await signedIn();
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/account');
      const cookie = res.cookies.find((k) => k.name === 'tessera_auth')!;
      expect(cookie.httpOnly).toBe(true);
      expect(cookie.sameSite).toBe('Lax');
      // The same cookie works on the users face.
      const me = await s.app.inject({ url: '/users/me', headers: { cookie: `tessera_auth=${cookie.value}` } });
      expect(me.json().email).toBe('arthur@camelot.bt');
      expect((await c.get('/account')).body).toContain('arthur@camelot.bt');
    });

    it('a wrong password shows the form again with an alert, the login filled in, never the password', async () => {
      const c = pagesClient(s);
      const res = await c.submit('/login', { username: 'arthur@camelot.bt', password: 'wrong password!' });
      expect(res.statusCode).toBe(400);
      expect(alertOf(res.body)).toMatch(/do not match/);
      expect(res.body).toContain('value="arthur@camelot.bt"');
      expect(res.body).not.toContain('wrong password!');
    });

    it.each([
      ['https://evil.example/steal', '/account'],
      ['//evil.example/steal', '/account'],
      ['/\\evil.example', '/account'],
      ['javascript:alert(1)', '/account'],
      ['http://tessera.test.evil.example/', '/account'],
      ['/admin?x=1', '/admin?x=1'],
      ['http://tessera.test/account', 'http://tessera.test/account'],
      ['https://app.camelot.bt/after-login', 'https://app.camelot.bt/after-login'],
    ])('return_to %s lands on %s', async (returnTo, landing) => {
      const { res } = await signedIn('arthur@camelot.bt', returnTo);
      expect(res.headers.location).toBe(landing);
    });

    it('GET /login?return_to= carries only a safe target into the form', async () => {
      const html = (await pagesClient(s).get('/login?return_to=https%3A%2F%2Fevil.example%2F')).body;
      expect(html).not.toContain('evil.example');
      expect((await pagesClient(s).get('/login?return_to=%2Fadmin')).body).toContain('name="return_to" value="/admin"');
    });

    it('sign out ends the session: the old cookie is refused by the API too', async () => {
      const { c } = await signedIn();
      const token = c.jar.get('tessera_auth')!;
      const page = await c.get('/account');
      const res = await c.post('/logout', { _csrf: csrfOf(page.body) });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/login');
      expect(c.jar.has('tessera_auth')).toBe(false);
      expect((await s.app.inject({ url: '/users/me', headers: { cookie: `tessera_auth=${token}` } })).statusCode).toBe(401);
    });
  });

  describe('access', () => {
    it('an anonymous visitor of /account or /admin is sent to /login with return_to', async () => {
      expect((await pagesClient(s).get('/account')).headers.location).toBe('/login?return_to=%2Faccount');
      expect((await pagesClient(s).get('/admin?q=x')).headers.location).toBe('/login?return_to=%2Fadmin%3Fq%3Dx');
    });

    it('a signed-in non-admin gets a 403 page from /admin and cannot post to it', async () => {
      const { c } = await signedIn();
      const res = await c.get('/admin');
      expect(res.statusCode).toBe(403);
      expect(alertOf(res.body)).toMatch(/do not have access/);
      const merlin = (await s.container.users.findByEmail('merlin@camelot.bt'))!;
      const csrf = csrfOf((await c.get('/account')).body);
      expect((await c.post(`/admin/users/${merlin.id}/delete`, { _csrf: csrf })).statusCode).toBe(403);
      expect(await s.container.users.findByEmail('merlin@camelot.bt')).toBeDefined();
    });

    it('an admin sees the user list; an unknown or malformed user id is a 404 page', async () => {
      const { c } = await signedIn('merlin@camelot.bt');
      const list = await c.get('/admin');
      expect(list.statusCode).toBe(200);
      expect(list.body).toContain('arthur@camelot.bt');
      expect((await c.get('/admin/users/not-a-uuid')).statusCode).toBe(404);
      expect((await c.get('/admin/users/0b8e0b7e-1111-4222-8333-444455556666')).statusCode).toBe(404);
    });
  });

  describe('account and admin forms', () => {
    it('a new email is saved unverified and its confirmation link is mailed at once', async () => {
      await coreUser(s, 'bedivere@camelot.bt', { isVerified: true });
      const { c } = await signedIn('bedivere@camelot.bt');
      const res = await c.submit('/account', { email: 'sir.bedivere@camelot.bt', username: 'bedivere' }, '/account/profile');
      expect(res.headers.location).toBe('/account?notice=email-changed');
      const user = (await s.container.users.findByEmail('sir.bedivere@camelot.bt'))!;
      expect([user.username, user.isVerified]).toEqual(['bedivere', false]);
      expect((await mailTo(s.outbox, 'sir.bedivere@camelot.bt', 'verify')).token).toBeTruthy();
      expect((await c.get('/account?notice=email-changed')).body).toContain('sent a link to your new address');
    });

    it('a notice name from the URL that is not one of the fixed ones shows nothing', async () => {
      const { c } = await signedIn();
      const html = (await c.get('/account?notice=%3Cscript%3Ealert(1)%3C%2Fscript%3E')).body;
      expect(html).not.toContain('role="status"');
      // The one script is the passkeys file; nothing inline.
      expect(html).not.toMatch(/<script(?! src="\/assets\/passkeys\.[0-9a-f]{10}\.js" defer><\/script>)/i);
    });

    it('a field the server refuses is named in the alert', async () => {
      const res = await pagesClient(s).submit('/register', { email: 'not an email', password: PASSWORD });
      expect(res.statusCode).toBe(400);
      expect(alertOf(res.body)).toBe('Please check the “Email” field.');
    });

    it('the last active superuser cannot be deactivated from the console: the form says why', async () => {
      const { c } = await signedIn('merlin@camelot.bt');
      const merlin = (await s.container.users.findByEmail('merlin@camelot.bt'))!;
      const res = await c.submit(`/admin/users/${merlin.id}`, {}, `/admin/users/${merlin.id}/deactivate`);
      expect(res.statusCode).toBe(400);
      expect(alertOf(res.body)).toMatch(/last active superuser/);
      expect((await s.container.users.get(merlin.id)).isActive).toBe(true);
    });
  });

  describe('mailed links', () => {
    it('GET /verify and GET /reset-password show a form and spend nothing', async () => {
      await coreUser(s, 'gawain@camelot.bt');
      await s.app.inject({ method: 'POST', url: '/auth/request-verify-token', payload: { email: 'gawain@camelot.bt' } });
      await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: 'gawain@camelot.bt' } });
      const verify = await mailTo(s.outbox, 'gawain@camelot.bt', 'verify');
      const reset = await mailTo(s.outbox, 'gawain@camelot.bt', 'reset');
      // The link is on the public URL (the link base by default) and opens the hosted page.
      expect(verify.text).toContain(`http://tessera.test/verify?token=${encodeURIComponent(verify.token)}`);
      for (let i = 0; i < 3; i++) {
        const v = await pagesClient(s).get(`/verify?token=${encodeURIComponent(verify.token)}`);
        expect(v.body).toContain('Verify email');
        expect((await pagesClient(s).get(`/reset-password?token=${encodeURIComponent(reset.token)}`)).body).toContain('Set password');
      }
      expect((await s.container.users.findByEmail('gawain@camelot.bt'))!.isVerified).toBe(false);
      // Both tokens still work after all those GETs.
      expect((await s.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: verify.token } })).statusCode).toBe(200);
      const c = pagesClient(s);
      const done = await c.submit(`/reset-password?token=${encodeURIComponent(reset.token)}`, { token: reset.token, password: 'a brand new secret' });
      expect(done.statusCode).toBe(200);
      expect(done.body).toContain('Your new password is set');
      expect((await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username: 'gawain@camelot.bt', password: 'a brand new secret' }) })).statusCode).toBe(200);
    });

    it('a spent or unknown token shows an alert, and a refused password keeps the reset form', async () => {
      const c = pagesClient(s);
      const bad = await c.submit('/verify?token=nope', { token: 'nope' });
      expect(bad.statusCode).toBe(400);
      expect(alertOf(bad.body)).toMatch(/invalid, used or expired/);
      await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: 'arthur@camelot.bt' } });
      const reset = await mailTo(s.outbox, 'arthur@camelot.bt', 'reset');
      const short = await c.submit(`/reset-password?token=${encodeURIComponent(reset.token)}`, { token: reset.token, password: 'short' });
      expect(short.statusCode).toBe(400);
      expect(alertOf(short.body)).toBeTruthy();
      expect(short.body).toContain(`name="token" value="${reset.token}"`);
    });

    it('forgot-password answers the same whether or not the account exists', async () => {
      const known = await pagesClient(s).submit('/forgot-password', { email: 'arthur@camelot.bt' });
      const unknown = await pagesClient(s).submit('/forgot-password', { email: 'nobody@camelot.bt' });
      expect(known.statusCode).toBe(200);
      const strip = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, '');
      expect(strip(unknown.body)).toBe(strip(known.body));
    });
  });
});

describe('settings', () => {
  it('TESSERA_PAGES=off leaves an API-only server', async () => {
    const s = await startServer(DIALECTS[0]!, { TESSERA_PAGES: 'off' });
    try {
      for (const url of ['/login', '/account', '/admin', '/register']) expect((await s.app.inject({ url })).statusCode).toBe(404);
      expect((await s.app.inject({ method: 'POST', url: '/logout' })).statusCode).toBe(404);
    } finally { await s.close(); }
  });

  it('mailed links start with TESSERA_LINK_BASE_URL and carry the product name', async () => {
    const s = await startServer(DIALECTS[0]!, { TESSERA_LINK_BASE_URL: 'https://app.camelot.bt/auth/', TESSERA_PRODUCT_NAME: 'Camelot ID' });
    try {
      await coreUser(s, 'kay@camelot.bt');
      await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: 'kay@camelot.bt' } });
      const [mail] = await readOutbox(s.outbox);
      expect(mail!.text).toContain(`https://app.camelot.bt/auth/reset-password?token=${encodeURIComponent(mail!.token)}`);
      expect(mail!.text).toContain('Camelot ID');
      expect(mail!.html).toContain('Camelot ID');
    } finally { await s.close(); }
  });

  it('page forms that check secrets are rate limited (429 page with Retry-After)', async () => {
    const s = await startServer(DIALECTS[0]!, { TESSERA_RATE_LIMITS: 'on', TESSERA_COOKIE_SECURE: 'false' });
    try {
      const c = pagesClient(s);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await c.submit('/forgot-password', { email: 'same@camelot.bt' })).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const last = await c.submit('/forgot-password', { email: 'same@camelot.bt' });
      expect(last.headers['retry-after']).toBeDefined();
      expect(alertOf(last.body)).toMatch(/Too many attempts/);
    } finally { await s.close(); }
  });
});

describe('secure cookies', () => {
  it('with TESSERA_COOKIE_SECURE the CSRF secret is a __Host- cookie: Secure, Path=/, no Domain, HttpOnly, SameSite=Strict', async () => {
    const s = await startServer(DIALECTS[0]!, {});
    try {
      const res = await s.app.inject({ url: '/login' });
      const cookie = res.cookies.find((k) => k.name === '__Host-tessera_csrf')!;
      expect(cookie).toMatchObject({ secure: true, path: '/', httpOnly: true, sameSite: 'Strict' });
      expect(cookie.domain).toBeUndefined();
    } finally { await s.close(); }
  });
});

describe('metrics', () => {
  it('sign-ins on /login count under the face label `pages`', async () => {
    const s = await startServer(DIALECTS[0]!, { TESSERA_COOKIE_SECURE: 'false' });
    try {
      await coreUser(s, 'arthur@camelot.bt');
      await pagesClient(s).submit('/login', { username: 'arthur@camelot.bt', password: PASSWORD });
      await pagesClient(s).submit('/login', { username: 'arthur@camelot.bt', password: 'wrong password' });
      const { text } = await s.container.metrics.render();
      expect(text).toMatch(/tessera_logins_total\{face="pages",outcome="success"\} 1/);
      expect(text).toMatch(/tessera_logins_total\{face="pages",outcome="invalid_credentials"\} 1/);
    } finally { await s.close(); }
  });
});

describe.each(DIALECTS)('the admin console under TESSERA_MFA_REQUIRED=admins (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_MFA_REQUIRED: 'admins' }); });
  afterAll(async () => { await s.close(); });

  it('closes to a superuser whose last second factor went, as the admin API does, even with a token granted admin', async () => {
    const merlin = await coreUser(s, 'merlin@camelot.bt', { isSuperuser: true, isVerified: true });
    // As after a second step: the flag is on, the session holds admin.
    await s.container.repos.users.setMfaEnabled(merlin.id, true);
    const tokens = await s.container.sessions.startSession((await s.container.repos.users.findById(merlin.id))!, { profile: 'users' });
    expect(tokens.scope).toContain('admin');
    const c = pagesClient(s);
    c.jar.set('tessera_auth', tokens.accessToken);
    expect((await c.get('/admin')).statusCode).toBe(200);
    await s.container.repos.users.setMfaEnabled(merlin.id, false);
    expect((await c.get('/admin')).statusCode).toBe(403);
    expect((await s.app.inject({ url: '/users', headers: { authorization: `Bearer ${tokens.accessToken}` } })).statusCode).toBe(403);
  });
});
