import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { DIALECTS } from '../support/harness.js';
import { mailTo } from '../support/pages-client.js';
import { PASSWORD, coreUser } from '../support/users-fixtures.js';
import { launchBrowser, startPagesServer, strictPage, type PagesServer } from '../support/browser-pages.js';

let browser: Browser;
beforeAll(async () => { browser = await launchBrowser(); });
afterAll(async () => { await browser?.close(); });

/** The path and query of a mailed link, opened on the test server. */
const pathOf = (link: string) => { const u = new URL(link); return `${u.pathname}${u.search}`; };

describe.each(DIALECTS)('hosted pages in a browser (%s)', (dialect) => {
  let s: PagesServer;
  let page: Page;
  let problems: string[];
  let close: () => Promise<void>;
  beforeAll(async () => {
    s = await startPagesServer(dialect, { TESSERA_PRODUCT_NAME: 'Camelot ID' });
    await coreUser(s, 'merlin@camelot.bt', { isSuperuser: true, isVerified: true });
  });
  afterAll(async () => { await s?.close(); });
  // A fresh browser context (no cookies) for every test.
  const open = async () => ({ page, problems, close } = await strictPage(browser));
  const signIn = async (login: string, password: string) => {
    await page.goto(`${s.url}/login`);
    await page.getByLabel('Email or username').fill(login);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  };

  it('register → verify by the mailed link → sign in → change username and password → sign out', async () => {
    await open();
    try {
      await page.goto(`${s.url}/register`);
      await expect(page.title()).resolves.toBe('Create account · Camelot ID');
      await page.getByLabel('Email').fill('arthur@camelot.bt');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('status').filter({ hasText: 'arthur@camelot.bt' }).waitFor();

      const mail = await mailTo(s.outbox, 'arthur@camelot.bt', 'verify');
      expect(mail.text).toContain(`${s.url}/verify?token=`);
      await page.goto(`${s.url}${pathOf(/https?:\/\/\S+\/verify\?token=\S+/.exec(mail.text)![0])}`);
      expect((await s.container.users.findByEmail('arthur@camelot.bt'))!.isVerified).toBe(false);
      await page.getByRole('button', { name: 'Verify email' }).click();
      await page.getByRole('heading', { name: 'Email verified' }).waitFor();
      expect((await s.container.users.findByEmail('arthur@camelot.bt'))!.isVerified).toBe(true);

      await signIn('arthur@camelot.bt', PASSWORD);
      await page.waitForURL(`${s.url}/account`);
      await page.getByText('verified', { exact: true }).waitFor();

      const profile = page.getByRole('form', { name: 'Profile' });
      await profile.getByLabel('Username').fill('arthur');
      await profile.getByRole('button', { name: 'Save profile' }).click();
      await page.getByRole('status').filter({ hasText: 'profile is saved' }).waitFor();
      expect((await s.container.users.findByEmail('arthur@camelot.bt'))!.username).toBe('arthur');

      const pw = page.getByRole('form', { name: 'Password' });
      await pw.getByLabel('Current password').fill('not my password');
      await pw.getByLabel('New password').fill('excalibur in the stone');
      await pw.getByRole('button', { name: 'Change password' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toMatch(/current password is not right/);
      await page.getByRole('form', { name: 'Password' }).getByLabel('Current password').fill(PASSWORD);
      await page.getByRole('form', { name: 'Password' }).getByLabel('New password').fill('excalibur in the stone');
      await page.getByRole('form', { name: 'Password' }).getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('status').filter({ hasText: 'password is changed' }).waitFor();

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${s.url}/login`);
      await page.goto(`${s.url}/account`);
      await page.waitForURL(/\/login\?return_to=%2Faccount$/);
      // The username and the new password sign in; the page goes back where it was asked for.
      await page.getByLabel('Email or username').fill('arthur');
      await page.getByLabel('Password').fill('excalibur in the stone');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${s.url}/account`);
      expect(problems).toEqual([]);
    } finally { await close(); }
  });

  it('forgot password → reset by the mailed link → sign in with the new password', async () => {
    await coreUser(s, 'gawain@camelot.bt', { isVerified: true });
    await open();
    try {
      await page.goto(`${s.url}/login`);
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.getByLabel('Email').fill('gawain@camelot.bt');
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await page.getByRole('status').waitFor();
      const mail = await mailTo(s.outbox, 'gawain@camelot.bt', 'reset');
      const link = /https?:\/\/\S+\/reset-password\?token=\S+/.exec(mail.text)![0];
      await page.goto(`${s.url}${pathOf(link)}`);
      await page.getByLabel('New password').fill('the green knight returns');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByRole('heading', { name: 'Password set' }).waitFor();
      // The link is spent.
      await page.goto(`${s.url}${pathOf(link)}`);
      await page.getByLabel('New password').fill('another one entirely');
      await page.getByRole('button', { name: 'Set password' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toMatch(/invalid, used or expired/);

      await signIn('gawain@camelot.bt', 'the green knight returns');
      await page.waitForURL(`${s.url}/account`);
      expect(problems).toEqual([]);
    } finally { await close(); }
  });

  it('an admin finds, edits, ends the sessions of, deactivates and deletes a user', async () => {
    const lancelot = await coreUser(s, 'lancelot@camelot.bt');
    const other = await s.container.auth.login('lancelot@camelot.bt', PASSWORD);
    await open();
    try {
      // Anonymous → /login?return_to=/admin → back on /admin after signing in.
      await page.goto(`${s.url}/admin`);
      await page.waitForURL(/\/login\?return_to=%2Fadmin$/);
      await page.getByLabel('Email or username').fill('merlin@camelot.bt');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${s.url}/admin`);

      await page.getByLabel('Search users').fill('lance');
      await page.getByRole('button', { name: 'Search users' }).click();
      await page.getByRole('link', { name: 'lancelot@camelot.bt' }).click();
      await page.getByRole('heading', { name: 'User' }).waitFor();

      await page.getByLabel('Username').fill('lancelot');
      await page.getByLabel('Verified').check();
      await page.getByLabel('Scopes').fill('reports:read knights');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').filter({ hasText: 'Changes saved' }).waitFor();
      const saved = await s.container.users.get(lancelot.id);
      expect([saved.username, saved.isVerified, saved.scopes]).toEqual(['lancelot', true, ['reports:read', 'knights']]);

      await page.getByRole('button', { name: 'End all sessions' }).click();
      await page.getByRole('status').filter({ hasText: 'Every session' }).waitFor();
      await expect(s.container.sessions.authenticate(other.tokens.accessToken)).rejects.toThrow();

      await page.getByRole('button', { name: 'Deactivate' }).click();
      await page.getByRole('status').filter({ hasText: 'deactivated' }).waitFor();
      expect((await s.container.users.get(lancelot.id)).isActive).toBe(false);

      await page.getByRole('button', { name: 'Delete user' }).click();
      await page.getByRole('status').filter({ hasText: 'deleted' }).waitFor();
      expect(page.url()).toBe(`${s.url}/admin?notice=deleted`);
      await expect(s.container.users.get(lancelot.id)).rejects.toThrow();
      expect(problems).toEqual([]);
    } finally { await close(); }
  });

  it('a return_to on another site is ignored: the person lands on /account', async () => {
    await coreUser(s, 'tristan@camelot.bt', { isVerified: true });
    await open();
    try {
      await page.goto(`${s.url}/login?return_to=${encodeURIComponent('https://evil.example/phish')}`);
      await page.getByLabel('Email or username').fill('tristan@camelot.bt');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${s.url}/account`);
      // Signed in, /login goes straight on: to /account for each refused form of another site.
      for (const refused of ['//evil.example/phish', '/\\evil.example', 'javascript:alert(1)', 'https://localhost.evil.example/']) {
        await page.goto(`${s.url}/login?return_to=${encodeURIComponent(refused)}`);
        expect(page.url(), refused).toBe(`${s.url}/account`);
      }
    } finally { await close(); }
  });

  it('a form posted with a forged CSRF token is refused (403, an alert) and changes nothing', async () => {
    await open();
    try {
      await page.goto(`${s.url}/register`);
      await page.getByLabel('Email').fill('mordred@camelot.bt');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.locator('input[name="_csrf"]').evaluate((input: { value: string }) => { input.value = 'forged'; });
      const [answer] = await Promise.all([page.waitForResponse((r) => r.url() === `${s.url}/register` && r.request().method() === 'POST'), page.getByRole('button', { name: 'Create account' }).click()]);
      expect(answer.status()).toBe(403);
      await page.getByRole('alert').waitFor();
      expect(await s.container.users.findByEmail('mordred@camelot.bt')).toBeUndefined();
    } finally { await close(); }
  });

  it('another site cannot frame the pages (clickjacking)', async () => {
    // The framing site: another origin (127.0.0.1 rather than localhost) on the same machine.
    const framer = createServer((_req, res) => res.end(`<!doctype html><title>framer</title><iframe src="${s.url}/login" title="framed"></iframe>`));
    await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve));
    await open();
    try {
      const loaded = page.waitForEvent('framenavigated', { predicate: (f) => f !== page.mainFrame() });
      await page.goto(`http://127.0.0.1:${(framer.address() as AddressInfo).port}/`);
      const framed = await loaded;
      await page.waitForTimeout(200);
      const text = String(await framed.evaluate('document.body ? document.body.innerText : ""').catch(() => ''));
      expect(text).not.toContain('Email or username');
      expect(framed.url()).not.toBe(`${s.url}/login`);
    } finally {
      await close();
      await new Promise((resolve) => framer.close(resolve));
    }
  });
});
