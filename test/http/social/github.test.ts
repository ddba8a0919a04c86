import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { bearer } from '../../support/users-client.js';
import { PUBLIC_URL, authorize, callback, followUntil } from './browser.js';
import { GITHUB_CLIENT, githubEnv, startFakeGithub, type GithubUser } from './fake-github.js';

describe.each(DIALECTS)('GitHub preset against a GitHub Enterprise stand-in (%s)', (dialect) => {
  let gh: Awaited<ReturnType<typeof startFakeGithub>>;
  let s: TestServer;
  beforeAll(async () => {
    gh = await startFakeGithub(GITHUB_CLIENT);
    s = await startServer(dialect, githubEnv(gh));
  });
  afterAll(async () => {
    await s?.close();
    await gh?.close();
  });

  async function dance(user: GithubUser) {
    const started = await authorize(s.app, '/auth/github/authorize');
    gh.next(user);
    const back = await followUntil(started.authorizationUrl, PUBLIC_URL);
    return { started, back, res: await callback(s.app, back, started.flowCookie) };
  }
  const me = async (token: string) => (await s.app.inject({ url: '/users/me', headers: bearer(token) })).json() as { id: string; email: string; is_verified: boolean };

  it('sends the browser to GitHub with PKCE S256 and the GitHub scopes, no nonce', async () => {
    const { authorizationUrl } = await authorize(s.app, '/auth/github/authorize');
    const url = new URL(authorizationUrl);
    expect(url.origin + url.pathname).toBe(`${gh.url}/login/oauth/authorize`);
    expect(url.searchParams.get('client_id')).toBe(GITHUB_CLIENT.id);
    expect(url.searchParams.get('scope')).toBe('read:user user:email');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/auth/github/callback`);
    expect(url.searchParams.has('nonce')).toBe(false);
  });

  it('uses the primary verified email from /user/emails and the numeric id as the identity', async () => {
    const octo = { id: 583231, email: null, emails: [
      { email: 'old@octo.test', primary: false, verified: true },
      { email: 'octocat@octo.test', primary: true, verified: true },
    ] };
    const first = await dance(octo);
    expect(first.res.statusCode).toBe(200);
    const user = await me(first.res.json().access_token);
    expect(user).toMatchObject({ email: 'octocat@octo.test', is_verified: true });
    const [link] = await s.container.repos.oauthAccounts.listForUser(user.id);
    expect(link).toMatchObject({ provider: 'github', accountId: '583231', expiresAt: null, refreshTokenEnc: null });

    // GitHub users may change their primary email; the id still finds the same user.
    const second = await dance({ ...octo, emails: [{ email: 'new@octo.test', primary: true, verified: true }] });
    expect((await me(second.res.json().access_token)).id).toBe(user.id);
  });

  it('an unverified primary email makes an unverified user; no email at all is OAUTH_NOT_AVAILABLE_EMAIL', async () => {
    const { res } = await dance({ id: 1001, email: 'public@octo.test', emails: [{ email: 'public@octo.test', primary: true, verified: false }] });
    expect(await me(res.json().access_token)).toMatchObject({ email: 'public@octo.test', is_verified: false });
    const none = await dance({ id: 1002, email: null, emails: [] });
    expect(none.res.statusCode).toBe(400);
    expect(none.res.json()).toEqual({ detail: 'OAUTH_NOT_AVAILABLE_EMAIL' });
  });

  it("a spent code is GitHub's bad_verification_code (sent with HTTP 200) as 400 OAUTH_PROVIDER_ERROR", async () => {
    const { started, back, res } = await dance({ id: 1003, email: null, emails: [{ email: 'twice@octo.test', primary: true, verified: true }] });
    expect(res.statusCode).toBe(200);
    const again = await callback(s.app, back, started.flowCookie);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ detail: { code: 'OAUTH_PROVIDER_ERROR', reason: 'bad_verification_code' } });
  });
});
