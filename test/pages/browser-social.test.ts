import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DIALECTS } from '../support/harness.js';
import { launchBrowser, startPagesServer, strictPage, type PagesServer } from '../support/browser-pages.js';
import { GITHUB_CLIENT, githubEnv, startFakeGithub } from '../http/social/fake-github.js';

let browser: Browser;
beforeAll(async () => { browser = await launchBrowser(); });
afterAll(async () => { await browser?.close(); });

/** "Sign in with GitHub" on /login, through a real (fake) provider the browser visits. */
describe.each(DIALECTS)('social sign-in from /login in a browser (%s)', (dialect) => {
  let gh: Awaited<ReturnType<typeof startFakeGithub>>;
  let s: PagesServer;
  beforeAll(async () => {
    gh = await startFakeGithub(GITHUB_CLIENT);
    s = await startPagesServer(dialect, githubEnv(gh));
  });
  afterAll(async () => {
    await s?.close();
    await gh?.close();
  });

  it('signs in with the provider and lands on return_to', async () => {
    gh.next({ id: 7070, email: 'lamorak.gh@camelot.bt', emails: [{ email: 'lamorak.gh@camelot.bt', primary: true, verified: true }] });
    const { page, problems, close } = await strictPage(browser);
    try {
      await page.goto(`${s.url}/login?return_to=${encodeURIComponent('/account#sessions')}`);
      await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
      await page.waitForURL(`${s.url}/account#sessions`);
      await page.getByText('lamorak.gh@camelot.bt').first().waitFor();
      expect(problems).toEqual([]);
    } finally { await close(); }
  });

  it('a refusal at the provider brings the person back to /login with an alert', async () => {
    const { page, problems, close } = await strictPage(browser);
    try {
      // The person says no at the provider: it sends the browser back with error=access_denied.
      gh.deny();
      await page.goto(`${s.url}/login`);
      await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
      await page.waitForURL((url) => url.pathname === '/login' && url.search === '?error=social');
      await page.getByRole('alert').filter({ hasText: 'Signing in with that provider did not work' }).waitFor();
      await page.getByLabel('Email or username').waitFor();
      expect(problems).toEqual([]);
    } finally { await close(); }
  });
});
