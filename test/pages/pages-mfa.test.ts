import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../support/harness.js';
import { PASSWORD, coreUser, jwtLogin } from '../support/users-fixtures.js';
import { alertOf, pagesClient } from '../support/pages-client.js';
import { setUpTotp, totpCode, wrongCode } from '../support/mfa-client.js';

const STEP = 30_000;
const tokenOf = (html: string) => /name="mfa_token" value="([^"]+)"/.exec(html)?.[1];

describe.each(DIALECTS)('the second step of /login (%s)', (dialect) => {
  let s: TestServer;
  let secret: string;
  let recoveryCodes: string[];
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_COOKIE_SECURE: 'false' });
    await coreUser(s, 'gawain@camelot.bt', { isVerified: true });
    ({ secret, recoveryCodes } = await setUpTotp(s, (await jwtLogin(s, 'gawain@camelot.bt')).access_token, Date.now() - STEP));
  });
  afterAll(async () => { await s.close(); });

  const passwordStep = async (returnTo?: string) => {
    const c = pagesClient(s);
    const res = await c.submit('/login', { username: 'gawain@camelot.bt', password: PASSWORD, ...(returnTo ? { return_to: returnTo } : {}) });
    return { c, res, token: tokenOf(res.body) };
  };

  it('a right password shows "Authentication code" and "Verify", the mfa_token in a hidden field and no session yet', async () => {
    const { c, res, token } = await passwordStep();
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<label for="code">Authentication code</label>');
    expect(res.body).toContain('<button type="submit">Verify</button>');
    expect(res.body).toContain('action="/login/mfa"');
    expect(token).toMatch(/.{20,}/);
    expect(res.headers.location).toBeUndefined();
    expect(c.jar.has('tessera_auth')).toBe(false);
    expect((await c.get('/account')).statusCode).toBe(303);
  });

  it('the right TOTP code signs in and goes on to return_to', async () => {
    const { c, token } = await passwordStep('/account?from=mfa');
    const res = await c.submit('/login', { mfa_token: token!, code: totpCode(secret, Date.now()), return_to: '/account?from=mfa' }, '/login/mfa');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account?from=mfa');
    expect(c.jar.has('tessera_auth')).toBe(true);
    expect((await c.get('/account')).statusCode).toBe(200);
  });

  it('a wrong code shows the step again with an alert and the same token; after 5 wrong codes the token is dead: back to the password step', async () => {
    const { c, token } = await passwordStep();
    const bad = wrongCode(totpCode(secret, Date.now()));
    for (let i = 1; i <= 5; i++) {
      const res = await c.submit('/login', { mfa_token: token!, code: bad }, '/login/mfa');
      expect(res.statusCode).toBe(400);
      expect(alertOf(res.body)).toMatch(/code is not right/);
      expect(tokenOf(res.body)).toBe(token);
      expect(res.body).not.toContain(bad);
    }
    const dead = await c.submit('/login', { mfa_token: token!, code: bad }, '/login/mfa');
    expect(dead.statusCode).toBe(400);
    expect(alertOf(dead.body)).toMatch(/Sign in again/);
    expect(dead.body).toContain('<label for="password">Password</label>');
    expect(tokenOf(dead.body)).toBeUndefined();
  });

  it('a recovery code in the same field signs in once', async () => {
    const first = await passwordStep();
    const ok = await first.c.submit('/login', { mfa_token: first.token!, code: recoveryCodes[0]!.toUpperCase() }, '/login/mfa');
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/account');
    const again = await passwordStep();
    const refused = await again.c.submit('/login', { mfa_token: again.token!, code: recoveryCodes[0]! }, '/login/mfa');
    expect(refused.statusCode).toBe(400);
    expect(alertOf(refused.body)).toMatch(/code is not right/);
  });

  it('an unknown mfa_token goes back to the password step; a form without the CSRF token changes nothing', async () => {
    const c = pagesClient(s);
    const res = await c.submit('/login', { mfa_token: 'not-a-token', code: '123456' }, '/login/mfa');
    expect(res.statusCode).toBe(400);
    expect(alertOf(res.body)).toMatch(/Sign in again/);
    const forged = await pagesClient(s).post('/login/mfa', { mfa_token: 'x', code: '123456' });
    expect(forged.statusCode).toBe(403);
  });
});
