import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, readOutbox, startServer, type TestServer } from '../../support/harness.js';
import { bearer, login, register } from '../../support/users-client.js';
import { PUBLIC_URL, atProvider, authorize, callback, followUntil, socialLogin } from './browser.js';
import { startFakeGithub, type GithubUser } from './fake-github.js';
import { startIdp, testOidcEnv, type TestIdp } from './idp.js';

const P = 'testoidc';
const GH = { id: 'Iv1.tessera', secret: 'github-test-secret' };
const REDIRECTS = [`${PUBLIC_URL}/auth/${P}/callback`, `${PUBLIC_URL}/auth/associate/${P}/callback`];
const TAKEN = { detail: 'OAUTH_USER_ALREADY_EXISTS' };

/**
 * Pre-registration takeover: an attacker signs in through a provider whose
 * email claim is the victim's address, unverified. Once the victim proves
 * control of that address by mail (reset or verify), the attacker's link
 * must no longer log in.
 */
describe.each(DIALECTS)('provider links made before the email was proven (%s)', (dialect) => {
  let idp: TestIdp;
  let gh: Awaited<ReturnType<typeof startFakeGithub>>;
  let s: TestServer;
  beforeAll(async () => {
    idp = await startIdp(REDIRECTS);
    gh = await startFakeGithub(GH);
    s = await startServer(dialect, {
      ...testOidcEnv(idp),
      TESSERA_OAUTH_GITHUB_CLIENT_ID: GH.id, TESSERA_OAUTH_GITHUB_CLIENT_SECRET: GH.secret, TESSERA_OAUTH_GITHUB_URL: gh.url,
    });
  });
  afterAll(async () => {
    await s?.close();
    await idp?.close();
    await gh?.close();
  });

  const me = (token: string) => s.app.inject({ url: '/users/me', headers: bearer(token) });
  async function mailed(to: string, kind: 'reset' | 'verify', send: () => Promise<unknown>): Promise<string> {
    await send();
    await s.container.accountTokens.drain();
    return (await readOutbox(s.outbox, 0)).filter((m) => m.to === to && m.kind === kind).at(-1)!.token;
  }
  const forgot = (email: string) => s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email } });
  const askVerify = (email: string) => s.app.inject({ method: 'POST', url: '/auth/request-verify-token', payload: { email } });
  async function githubLogin(user: GithubUser) {
    const started = await authorize(s.app, '/auth/github/authorize');
    gh.next(user);
    return callback(s.app, await followUntil(started.authorizationUrl, PUBLIC_URL), started.flowCookie);
  }

  it('OIDC email_verified: false, then the victim resets the password: the link is gone, the attacker is refused', async () => {
    const mallory = { sub: 'mallory-oidc', email: 'victim1@camelot.bt', email_verified: false };
    const first = await socialLogin(s.app, idp, P, mallory);
    expect(first.res.statusCode).toBe(200);
    const user = (await me(first.res.json().access_token)).json() as { id: string };
    expect(await s.container.repos.oauthAccounts.listForUser(user.id)).toMatchObject([{ accountId: 'mallory-oidc', emailVerified: false }]);

    const token = await mailed('victim1@camelot.bt', 'reset', () => forgot('victim1@camelot.bt'));
    const reset = await s.app.inject({ method: 'POST', url: '/auth/reset-password', payload: { token, password: 'the victim is back' } });
    expect(reset.statusCode).toBe(200);

    expect(await s.container.repos.oauthAccounts.listForUser(user.id)).toEqual([]);
    expect((await me(first.res.json().access_token)).statusCode).toBe(401);
    const again = await socialLogin(s.app, idp, P, mallory);
    expect(again.res.statusCode).toBe(400);
    expect(again.res.json()).toEqual(TAKEN);
    expect((await login(s.app, 'victim1@camelot.bt', 'the victim is back')).access_token).toBeTruthy();
  });

  it('GitHub unverified primary email, then the victim verifies the address: the link and its sessions are gone', async () => {
    const mallory: GithubUser = { id: 666, email: 'victim2@camelot.bt', emails: [{ email: 'victim2@camelot.bt', primary: true, verified: false }] };
    const first = await githubLogin(mallory);
    expect(first.statusCode).toBe(200);
    const { access_token, refresh_token } = first.json() as { access_token: string; refresh_token: string };

    const token = await mailed('victim2@camelot.bt', 'verify', () => askVerify('victim2@camelot.bt'));
    const verified = await s.app.inject({ method: 'POST', url: '/auth/verify', payload: { token } });
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ email: 'victim2@camelot.bt', is_verified: true });

    expect(await s.container.repos.oauthAccounts.listForUser(verified.json().id)).toEqual([]);
    expect((await me(access_token)).statusCode).toBe(401);
    await expect(s.container.sessions.refresh(refresh_token)).rejects.toThrow();
    const again = await githubLogin(mallory);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual(TAKEN);
  });

  it('an identity linked to an unverified account through associate goes too (pre-registered by password)', async () => {
    await register(s.app, 'victim3@camelot.bt', 'mallory knows this one');
    const { access_token } = await login(s.app, 'victim3@camelot.bt', 'mallory knows this one');
    const started = await authorize(s.app, `/auth/associate/${P}/authorize`, bearer(access_token));
    // The provider verified the attacker's own address: that proves nothing about the account's.
    const back = await atProvider(idp, started.authorizationUrl, { sub: 'mallory-assoc', email: 'mallory@evil.test', email_verified: true });
    expect((await callback(s.app, back, started.flowCookie, bearer(access_token))).statusCode).toBe(200);

    const token = await mailed('victim3@camelot.bt', 'reset', () => forgot('victim3@camelot.bt'));
    expect((await s.app.inject({ method: 'POST', url: '/auth/reset-password', payload: { token, password: 'the victim is back' } })).statusCode).toBe(200);
    const again = await socialLogin(s.app, idp, P, { sub: 'mallory-assoc', email: 'mallory@evil.test', email_verified: true });
    // Not linked any more: the provider's (other) address makes a new, separate account.
    expect(again.res.statusCode).toBe(200);
    expect((await me(again.res.json().access_token)).json()).toMatchObject({ email: 'mallory@evil.test' });
  });

  it('links made while the email was proven survive a reset and a later verify', async () => {
    const alice = { sub: 'alice-proven', email: 'alice-proven@camelot.bt', email_verified: true };
    const first = await socialLogin(s.app, idp, P, alice);
    const user = (await me(first.res.json().access_token)).json() as { id: string };
    expect(await s.container.repos.oauthAccounts.listForUser(user.id)).toMatchObject([{ emailVerified: true }]);
    const token = await mailed('alice-proven@camelot.bt', 'reset', () => forgot('alice-proven@camelot.bt'));
    expect((await s.app.inject({ method: 'POST', url: '/auth/reset-password', payload: { token, password: 'alice sets a password' } })).statusCode).toBe(200);
    const again = await socialLogin(s.app, idp, P, alice);
    expect(again.res.statusCode).toBe(200);
    expect((await me(again.res.json().access_token)).json().id).toBe(user.id);

    // Associated by a verified account: kept when that account verifies a new address later.
    const { access_token } = await login(s.app, 'alice-proven@camelot.bt', 'alice sets a password');
    const started = await authorize(s.app, `/auth/associate/${P}/authorize`, bearer(access_token));
    const back = await atProvider(idp, started.authorizationUrl, { sub: 'alice-second', email: 'alice@elsewhere.test', email_verified: false });
    expect((await callback(s.app, back, started.flowCookie, bearer(access_token))).statusCode).toBe(200);
    expect(await s.container.repos.oauthAccounts.listForUser(user.id)).toHaveLength(2);
    expect((await s.app.inject({ method: 'PATCH', url: '/users/me', headers: bearer(access_token), payload: { email: 'alice-new@camelot.bt' } })).statusCode).toBe(200);
    const vt = await mailed('alice-new@camelot.bt', 'verify', () => askVerify('alice-new@camelot.bt'));
    expect((await s.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: vt } })).statusCode).toBe(200);
    expect(await s.container.repos.oauthAccounts.listForUser(user.id)).toHaveLength(2);
  });
});
