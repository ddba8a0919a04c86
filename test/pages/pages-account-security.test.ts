import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../support/harness.js';
import { PASSWORD, auth, coreUser, jwtLogin } from '../support/users-fixtures.js';
import { alertOf, pagesClient } from '../support/pages-client.js';
import { totpCode, wrongCode } from '../support/mfa-client.js';
import { ORIGIN, registerPasskey } from '../support/passkey-client.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

const STEP = 30_000;
const codesOf = (html: string) => [...html.matchAll(/<li><code>([a-z2-7-]+)<\/code><\/li>/g)].map((m) => m[1]!);

describe.each(DIALECTS)('the account page: sessions, second factors, events (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_COOKIE_SECURE: 'false' });
  });
  afterAll(async () => { await s.close(); });

  const signedIn = async (email: string) => {
    const c = pagesClient(s);
    const res = await c.submit('/login', { username: email, password: PASSWORD });
    expect(res.statusCode).toBe(303);
    return c;
  };
  const me = (token: string) => s.app.inject({ url: '/users/me', headers: auth(token) });

  it('lists the sessions with user agent and ip, marks the current one, and "End session" ends another at once', async () => {
    await coreUser(s, 'kay@camelot.bt', { isVerified: true });
    const other = (await jwtLogin(s, 'kay@camelot.bt')).access_token;
    const c = await signedIn('kay@camelot.bt');
    const page = (await c.get('/account')).body;
    expect(page).toContain('<h2 id="sessions-heading">Sessions</h2>');
    expect(page).toContain('lightMyRequest');
    expect(page).toContain('127.0.0.1');
    expect(page.match(/class="badge ok">current</g)).toHaveLength(1);
    // The current session has no button; the other one has.
    const ends = [...page.matchAll(/action="\/account\/sessions\/([^/]+)\/end"/g)].map((m) => m[1]!);
    expect(ends).toHaveLength(1);
    expect(page).toContain('>End session</button>');
    expect((await me(other)).statusCode).toBe(200);

    const res = await c.submit('/account', {}, `/account/sessions/${ends[0]}/end`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account?notice=session-ended');
    expect((await me(other)).statusCode).toBe(401);
    expect((await c.get('/account')).statusCode).toBe(200);
    // Ended twice (or someone else's id): an alert, not a crash.
    const again = await c.submit('/account', {}, `/account/sessions/${ends[0]}/end`);
    expect(again.statusCode).toBe(400);
    expect(alertOf(again.body)).toMatch(/already ended/);
  });

  it('"End all other sessions" keeps only the current one', async () => {
    await coreUser(s, 'dagonet@camelot.bt', { isVerified: true });
    const others = [(await jwtLogin(s, 'dagonet@camelot.bt')).access_token, (await jwtLogin(s, 'dagonet@camelot.bt')).access_token];
    const c = await signedIn('dagonet@camelot.bt');
    expect((await c.get('/account')).body).toContain('>End all other sessions</button>');
    const res = await c.submit('/account', {}, '/account/sessions/end-others');
    expect(res.headers.location).toBe('/account?notice=sessions-ended');
    for (const t of others) expect((await me(t)).statusCode).toBe(401);
    const page = await c.get('/account?notice=sessions-ended');
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('>End session</button>');
  });

  it('"Set up authenticator app" shows a QR code (inline SVG) and the secret; a wrong code is an alert; the right one shows 10 recovery codes once', async () => {
    await coreUser(s, 'tristan@camelot.bt', { isVerified: true });
    const c = await signedIn('tristan@camelot.bt');
    expect((await c.get('/account')).body).toContain('>Set up authenticator app</button>');
    const started = await c.submit('/account', {}, '/account/totp');
    expect(started.statusCode).toBe(303);
    expect(started.headers.location).toBe('/account/totp');
    const setup = await c.get('/account/totp');
    expect(setup.headers['cache-control']).toBe('no-store');
    expect(setup.body).toContain('<svg role="img" aria-label="QR code');
    // The one script is the passkeys file; nothing inline.
    expect(setup.body).not.toMatch(/<script(?! src="\/assets\/passkeys\.[0-9a-f]{10}\.js" defer><\/script>)/i);
    expect(setup.body).toContain('<label for="code">Authentication code</label>');
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(setup.body)![1]!.replace(/ /g, '');

    const wrong = await c.submit('/account/totp', { code: wrongCode(totpCode(secret, Date.now())) }, '/account/totp/confirm');
    expect(wrong.statusCode).toBe(400);
    expect(alertOf(wrong.body)).toMatch(/code is not right/);
    expect(wrong.body).toContain('<svg role="img"');
    expect(wrong.body).toContain(secret.slice(0, 4));

    const ok = await c.submit('/account/totp', { code: totpCode(secret, Date.now() - STEP) }, '/account/totp/confirm');
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    const codes = codesOf(ok.body);
    expect(codes).toHaveLength(10);
    expect(await s.container.mfa.status((await s.container.users.findByEmail('tristan@camelot.bt'))!.id)).toMatchObject({ totp: true, recoveryCodesLeft: 10 });
    // No longer pending: the set-up page sends back to the account.
    expect((await c.get('/account/totp')).headers.location).toBe('/account');

    const account = (await c.get('/account')).body;
    expect(account).toContain('10 of 10 left');
    expect(account).toContain('mfa.enrolled');

    // New recovery codes: ten others, the old ones die.
    const fresh = await c.submit('/account', {}, '/account/recovery-codes');
    const next = codesOf(fresh.body);
    expect(next).toHaveLength(10);
    expect(next).not.toContain(codes[0]);

    const removed = await c.submit('/account', {}, '/account/totp/remove');
    expect(removed.headers.location).toBe('/account?notice=totp-removed');
    expect((await c.get('/account')).body).toContain('>Set up authenticator app</button>');
  });

  it('"New recovery codes" without a second factor is an alert', async () => {
    await coreUser(s, 'lamorak@camelot.bt', { isVerified: true });
    const c = await signedIn('lamorak@camelot.bt');
    const res = await c.submit('/account', {}, '/account/recovery-codes');
    expect(res.statusCode).toBe(400);
    expect(alertOf(res.body)).toMatch(/Set up an authenticator app or a passkey first/);
  });

  it('lists passkeys and removes one', async () => {
    await coreUser(s, 'galahad@camelot.bt', { isVerified: true });
    const token = (await jwtLogin(s, 'galahad@camelot.bt')).access_token;
    expect((await registerPasskey(s, token, new SoftAuthenticator(ORIGIN), {}, 'Grail key')).statusCode).toBe(201);
    // A passkey is a second factor: the password sign-in asks for it (or a recovery code).
    const c2 = pagesClient(s);
    const step = await c2.submit('/login', { username: 'galahad@camelot.bt', password: PASSWORD });
    expect(step.body).toContain('Authentication code');
    const user = (await s.container.users.findByEmail('galahad@camelot.bt'))!;
    const [code] = await s.container.mfa.regenerateRecoveryCodes({ userId: user.id, fresh: true });
    const mfaToken = /name="mfa_token" value="([^"]+)"/.exec(step.body)![1]!;
    expect((await c2.submit('/login', { mfa_token: mfaToken, code: code! }, '/login/mfa')).statusCode).toBe(303);

    const page = (await c2.get('/account')).body;
    expect(page).toContain('Grail key');
    const id = /action="\/account\/passkeys\/([^/]+)\/remove"/.exec(page)![1]!;
    const res = await c2.submit('/account', {}, `/account/passkeys/${id}/remove`);
    expect(res.headers.location).toBe('/account?notice=passkey-removed');
    expect(await s.container.passkeys.list(user.id)).toEqual([]);
    expect((await c2.get('/account')).body).not.toContain('Grail key');
  });
});
