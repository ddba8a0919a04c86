import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_COOKIE, MFA_STEP_COOKIE } from '../../src/http/faces/users/social-routes.js';
import { RETURN_TO_COOKIE } from '../../src/http/faces/users/social-flow.js';
import { DIALECTS, startServer, type TestServer } from '../support/harness.js';
import { alertOf, pagesClient } from '../support/pages-client.js';
import { PASSWORD, coreUser } from '../support/users-fixtures.js';
import { totpCode } from '../support/mfa-client.js';
import { PUBLIC_URL, callback, followUntil } from '../http/social/browser.js';
import { GITHUB_CLIENT, githubEnv, startFakeGithub } from '../http/social/fake-github.js';

describe.each(DIALECTS)('social sign-in from /login (%s)', (dialect) => {
  let gh: Awaited<ReturnType<typeof startFakeGithub>>;
  let s: TestServer;
  beforeAll(async () => {
    gh = await startFakeGithub(GITHUB_CLIENT);
    s = await startServer(dialect, {
      ...githubEnv(gh), TESSERA_COOKIE_SECURE: 'false',
    });
  });
  afterAll(async () => {
    await s?.close();
    await gh?.close();
  });

  it('shows one button per configured provider, which goes through the social authorize and lands signed in on /account', async () => {
    const c = pagesClient(s);
    const login = await c.get('/login');
    expect(login.body).toContain('<a class="button secondary" href="/login/github">Sign in with GitHub</a>');

    const started = await c.get('/login/github');
    expect(started.statusCode).toBe(303);
    const authorizationUrl = started.headers.location as string;
    expect(authorizationUrl.startsWith(`${gh.url}/login/oauth/authorize`)).toBe(true);
    expect(new URL(authorizationUrl).searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/auth/github/callback`);
    const flow = started.cookies.find((k) => k.name === FLOW_COOKIE)!;
    expect(flow.httpOnly).toBe(true);

    gh.next({ id: 4242, email: 'percival@camelot.bt', emails: [{ email: 'percival@camelot.bt', primary: true, verified: true }] });
    const back = await followUntil(authorizationUrl, PUBLIC_URL);
    const res = await callback(s.app, back, flow.value);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account');
    const session = res.cookies.find((k) => k.name === 'tessera_auth')!;
    const account = await s.app.inject({ url: '/account', headers: { cookie: `tessera_auth=${session.value}` } });
    expect(account.statusCode).toBe(200);
    expect(account.body).toContain('percival@camelot.bt');
  });

  it('carries return_to through the provider: an allowed one is where the callback lands, a refused one is never kept', async () => {
    const c = pagesClient(s);
    expect((await c.get('/login?return_to=%2Fadmin%3Ftab%3D1')).body).toContain('href="/login/github?return_to=%2Fadmin%3Ftab%3D1"');
    const viaProvider = async (query: string, id: number, email: string) => {
      const started = await c.get(`/login/github${query}`);
      const kept = started.cookies.find((k) => k.name === RETURN_TO_COOKIE);
      gh.next({ id, email, emails: [{ email, primary: true, verified: true }] });
      const back = await followUntil(started.headers.location as string, PUBLIC_URL);
      const cookie = kept && kept.value ? `${RETURN_TO_COOKIE}=${encodeURIComponent(kept.value)}` : '';
      return { kept, res: await callback(s.app, back, started.cookies.find((k) => k.name === FLOW_COOKIE)!.value, cookie ? { cookie } : {}) };
    };
    const allowed = await viaProvider('?return_to=%2Fadmin%3Ftab%3D1', 4545, 'gaheris.rt@camelot.bt');
    expect(allowed.kept).toMatchObject({ value: '/admin?tab=1', httpOnly: true, path: '/auth', sameSite: 'Lax' });
    expect(allowed.res.headers.location).toBe('/admin?tab=1');
    expect(allowed.res.cookies.find((k) => k.name === RETURN_TO_COOKIE)).toMatchObject({ value: '' });
    for (const refused of ['https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:alert(1)']) {
      const { kept, res } = await viaProvider(`?${new URLSearchParams({ return_to: refused })}`, 4545, 'gaheris.rt@camelot.bt');
      expect(kept?.value, refused).toBe('/account');
      expect(res.headers.location, refused).toBe('/account');
    }
    // A cookie set by other means is checked again at the callback.
    const started = await c.get('/login/github');
    gh.next({ id: 4545, email: 'gaheris.rt@camelot.bt', emails: [{ email: 'gaheris.rt@camelot.bt', primary: true, verified: true }] });
    const back = await followUntil(started.headers.location as string, PUBLIC_URL);
    const forged = await callback(s.app, back, started.cookies.find((k) => k.name === FLOW_COOKIE)!.value, { cookie: `${RETURN_TO_COOKIE}=${encodeURIComponent('https://evil.example/')}` });
    expect(forged.headers.location).toBe('/account');
  });

  it('a refused callback of a sign-in started on /login goes back there with an alert, not the face\'s JSON', async () => {
    const c = pagesClient(s);
    const started = await c.get('/login/github?return_to=%2Fadmin');
    gh.next({ id: 4646, email: 'dinadan@camelot.bt', emails: [{ email: 'dinadan@camelot.bt', primary: true, verified: true }] });
    const back = await followUntil(started.headers.location as string, PUBLIC_URL);
    back.searchParams.delete('code');
    back.searchParams.set('error', 'access_denied');
    const res = await callback(s.app, back, started.cookies.find((k) => k.name === FLOW_COOKIE)!.value, { cookie: `${RETURN_TO_COOKIE}=%2Fadmin` });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?error=social&return_to=%2Fadmin');
    expect(res.cookies.find((k) => k.name === 'tessera_auth')).toBeUndefined();
    const page = await c.get('/login?error=social&return_to=%2Fadmin');
    expect(page.statusCode).toBe(200);
    expect(alertOf(page.body)).toBe('Signing in with that provider did not work. Try again, or use your password.');
    expect(page.body).toContain('name="return_to" value="/admin"');
    // Only fixed names are shown: anything else in ?error shows nothing.
    for (const name of ['%3Cscript%3E', 'constructor', '__proto__', 'toString']) {
      const odd = (await c.get(`/login?error=${name}`)).body;
      expect(alertOf(odd) ?? '', name).toBe('');
      expect(odd).not.toContain('script&gt;');
      expect(odd).not.toContain('native code');
    }
    // The same refusal of a flow the API started stays the users face's JSON.
    const api = await c.get('/auth/github/authorize');
    // Starting a flow through the API forgets any landing a page flow left behind.
    expect(api.cookies.find((k) => k.name === RETURN_TO_COOKIE)).toMatchObject({ value: '' });
    gh.next({ id: 4646, email: 'dinadan@camelot.bt', emails: [{ email: 'dinadan@camelot.bt', primary: true, verified: true }] });
    const apiBack = await followUntil(api.json().authorization_url, PUBLIC_URL);
    apiBack.searchParams.delete('code');
    apiBack.searchParams.set('error', 'access_denied');
    const json = await callback(s.app, apiBack, api.cookies.find((k) => k.name === FLOW_COOKIE)!.value);
    expect(json.statusCode).toBe(400);
    expect(json.json().detail).toBeDefined();
  });

  it('a user with a second factor goes from the callback to the code step of /login (the mfa_token never in a URL), then in', async () => {
    const c = pagesClient(s);
    const signIn = async (query = '', browser = c) => {
      const started = await browser.get(`/login/github${query}`);
      gh.next({ id: 4343, email: 'bors@camelot.bt', emails: [{ email: 'bors@camelot.bt', primary: true, verified: true }] });
      const back = await followUntil(started.headers.location as string, PUBLIC_URL);
      const kept = started.cookies.find((k) => k.name === RETURN_TO_COOKIE)?.value;
      return callback(s.app, back, started.cookies.find((k) => k.name === FLOW_COOKIE)!.value, kept ? { cookie: `${RETURN_TO_COOKIE}=${encodeURIComponent(kept)}` } : {});
    };
    expect((await signIn()).statusCode).toBe(303);
    const user = (await s.container.users.findByEmail('bors@camelot.bt'))!;
    const actor = { userId: user.id, fresh: true };
    const { secret } = await s.container.mfa.enrollTotp(actor);
    await s.container.mfa.confirmTotp(actor, totpCode(secret, Date.now() - 30_000));

    const res = await signIn();
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login');
    expect(res.cookies.find((k) => k.name === 'tessera_auth')).toBeUndefined();
    const step = res.cookies.find((k) => k.name === MFA_STEP_COOKIE)!;
    expect(step).toMatchObject({ httpOnly: true, path: '/login', sameSite: 'Lax' });
    c.jar.set(MFA_STEP_COOKIE, step.value);
    const page = await c.get('/login');
    expect(page.body).toContain('Authentication code');
    expect(page.body).toContain(`name="mfa_token" value="${step.value}"`);
    expect(c.jar.has(MFA_STEP_COOKIE)).toBe(false);
    const done = await c.submit('/login', { mfa_token: step.value, code: totpCode(secret, Date.now()) }, '/login/mfa');
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/account');
    expect((await c.get('/account')).body).toContain('bors@camelot.bt');

    // With a return_to, the code step keeps it and lands there.
    const other = pagesClient(s);
    const withTarget = await signIn('?return_to=%2Fadmin', other);
    expect(withTarget.headers.location).toBe('/login?return_to=%2Fadmin');
    other.jar.set(MFA_STEP_COOKIE, withTarget.cookies.find((k) => k.name === MFA_STEP_COOKIE)!.value);
    const codeStep = await other.get('/login?return_to=%2Fadmin');
    expect(codeStep.body).toContain('name="return_to" value="/admin"');
    const token = /name="mfa_token" value="([^"]+)"/.exec(codeStep.body)![1]!;
    const landed = await other.submit('/login?return_to=%2Fadmin', { mfa_token: token, return_to: '/admin', code: totpCode(secret, Date.now() + 30_000) }, '/login/mfa');
    expect(landed.headers.location).toBe('/admin');
  });

  it('/account links a provider (the associate flow comes back to /account) and unlinks it, recorded as social.unlinked', async () => {
    const gaheris = await coreUser(s, 'gaheris@camelot.bt', { isVerified: true });
    const c = pagesClient(s);
    await c.submit('/login', { username: 'gaheris@camelot.bt', password: PASSWORD });
    const account = await c.get('/account');
    expect(account.body).toContain('<h2 id="social-heading">Sign-in providers</h2>');
    expect(account.body).toContain('>Link GitHub</button>');

    const started = await c.submit('/account', {}, '/account/link/github');
    expect(started.statusCode).toBe(303);
    const authorizationUrl = started.headers.location as string;
    expect(new URL(authorizationUrl).searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/auth/associate/github/callback`);
    gh.next({ id: 5151, email: 'gaheris@orkney.example', emails: [{ email: 'gaheris@orkney.example', primary: true, verified: true }] });
    const back = await followUntil(authorizationUrl, PUBLIC_URL);
    const res = await callback(s.app, back, c.jar.get(FLOW_COOKIE), { cookie: `tessera_auth=${c.jar.get('tessera_auth')}` });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account?notice=social-linked');

    // A refused link goes back to /account with an alert.
    const relink = await c.submit('/account', {}, '/account/link/github');
    gh.next({ id: 5151, email: 'gaheris@orkney.example', emails: [{ email: 'gaheris@orkney.example', primary: true, verified: true }] });
    const denied = await followUntil(relink.headers.location as string, PUBLIC_URL);
    denied.searchParams.delete('code');
    denied.searchParams.set('error', 'access_denied');
    const refused = await callback(s.app, denied, c.jar.get(FLOW_COOKIE), { cookie: `tessera_auth=${c.jar.get('tessera_auth')}; ${RETURN_TO_COOKIE}=%2Faccount` });
    expect(refused.headers.location).toBe('/account?error=social-link');
    expect(alertOf((await c.get('/account?error=social-link')).body)).toBe('Linking that sign-in provider did not work. Try again.');
    const inherited = (await c.get('/account?notice=constructor&error=__proto__')).body;
    expect(inherited).not.toContain('role="status"');
    expect(inherited).not.toMatch(/native code|\[object Object\]/);

    const linked = (await c.get('/account?notice=social-linked')).body;
    expect(linked).toContain('GitHub (gaheris@orkney.example)');
    expect(linked).not.toContain('>Link GitHub</button>');
    const id = /action="\/account\/identities\/([^/]+)\/unlink"/.exec(linked)![1]!;
    const unlinked = await c.submit('/account', {}, `/account/identities/${id}/unlink`);
    expect(unlinked.headers.location).toBe('/account?notice=social-unlinked');
    expect(await s.container.socialLogin.identities(gaheris.id)).toEqual([]);
    const { items } = await s.container.audit.list({ userId: gaheris.id, type: 'social.unlinked', limit: 1, offset: 0 });
    expect(items[0]).toMatchObject({ face: 'pages', detail: { provider: 'github', count: 1, reason: 'user' } });
    const again = await c.submit('/account', {}, `/account/identities/${id}/unlink`);
    expect(again.statusCode).toBe(400);
    expect(alertOf(again.body)).toMatch(/already unlinked/);
  });

  it('the only way into an account (no password, no passkey) cannot be unlinked', async () => {
    const c = pagesClient(s);
    const started = await c.get('/login/github');
    gh.next({ id: 4242, email: 'percival@camelot.bt', emails: [{ email: 'percival@camelot.bt', primary: true, verified: true }] });
    const back = await followUntil(started.headers.location as string, PUBLIC_URL);
    const res = await callback(s.app, back, started.cookies.find((k) => k.name === FLOW_COOKIE)!.value);
    c.jar.set('tessera_auth', res.cookies.find((k) => k.name === 'tessera_auth')!.value);
    const page = (await c.get('/account')).body;
    const id = /action="\/account\/identities\/([^/]+)\/unlink"/.exec(page)![1]!;
    const refused = await c.submit('/account', {}, `/account/identities/${id}/unlink`);
    expect(refused.statusCode).toBe(400);
    expect(alertOf(refused.body)).toMatch(/only way to sign in/);
    const user = (await s.container.users.findByEmail('percival@camelot.bt'))!;
    expect(await s.container.socialLogin.identities(user.id)).toHaveLength(1);
  });

  it('an unknown provider is a 404', async () => {
    const res = await pagesClient(s).get('/login/nope');
    expect(res.statusCode).toBe(404);
  });
});
