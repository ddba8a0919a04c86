import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DIALECTS } from '../support/harness.js';
import { PASSWORD, coreUser } from '../support/users-fixtures.js';
import { totpCode } from '../support/mfa-client.js';
import { axeViolations, expectNoSidewaysScroll, launchBrowser, screenshot, startPagesServer, strictPage, type PagesServer } from '../support/browser-pages.js';

let browser: Browser;
beforeAll(async () => { browser = await launchBrowser(); });
afterAll(async () => { await browser?.close(); });

/** Each way the pages are looked at: axe runs in both colour schemes, and the phone width must not scroll sideways. */
const VIEWS = [
  { name: 'light', width: 1024, colorScheme: 'light' },
  { name: 'dark', width: 1024, colorScheme: 'dark' },
  { name: 'phone', width: 375, colorScheme: 'light' },
] as const;

describe.each(DIALECTS)('every page is accessible, in light and dark, on desktop and a 375 px phone (%s)', (dialect) => {
  let s: PagesServer;
  // One user per view: each view's visit sets up an authenticator app for its user.
  const userIds: Record<string, string> = {};
  beforeAll(async () => {
    s = await startPagesServer(dialect, { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' });
    await coreUser(s, 'merlin@camelot.bt', { isSuperuser: true, isVerified: true, username: 'merlin' });
    for (const view of VIEWS) userIds[view.name] = (await coreUser(s, `arthur.${view.name}@camelot.bt`, { scopes: ['reports:read'] })).id;
    // Something in the audit log and the sessions list to look at.
    await s.container.auth.login(`arthur.light@camelot.bt`, PASSWORD, { client: { userAgent: 'Pigeon/1.0', ip: '203.0.113.7' } });
  });
  afterAll(async () => { await s?.close(); });

  const signIn = async (page: Page, login: string) => {
    await page.goto(`${s.url}/login`);
    await page.getByLabel('Email or username').fill(login);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/account$/);
  };

  /** The pages in the order a context visits them: anonymous first, then as a user, then as an admin. */
  const scenes = (user: string, userId: string): { name: string; visit(page: Page): Promise<unknown> }[] => [
    { name: 'login', visit: (p) => p.goto(`${s.url}/login`) },
    { name: 'login-error', visit: async (p) => {
      await p.goto(`${s.url}/login`);
      await p.getByLabel('Email or username').fill('nobody@camelot.bt');
      await p.getByLabel('Password').fill('wrong password');
      await p.getByRole('button', { name: 'Sign in', exact: true }).click();
      await p.getByRole('alert').waitFor();
    } },
    { name: 'register', visit: (p) => p.goto(`${s.url}/register`) },
    { name: 'forgot-password', visit: (p) => p.goto(`${s.url}/forgot-password`) },
    { name: 'forgot-password-sent', visit: async (p) => {
      await p.goto(`${s.url}/forgot-password`);
      await p.getByLabel('Email').fill('nobody@camelot.bt');
      await p.getByRole('button', { name: 'Send reset link' }).click();
      await p.getByRole('status').waitFor();
    } },
    { name: 'reset-password', visit: (p) => p.goto(`${s.url}/reset-password?token=example`) },
    { name: 'verify', visit: (p) => p.goto(`${s.url}/verify?token=example`) },
    { name: 'account', visit: async (p) => {
      await signIn(p, user);
      await p.getByRole('button', { name: 'Add a passkey' }).waitFor();
    } },
    { name: 'admin-forbidden', visit: (p) => p.goto(`${s.url}/admin`) },
    { name: 'totp-setup', visit: async (p) => {
      await p.goto(`${s.url}/account`);
      await p.getByRole('button', { name: 'Set up authenticator app' }).click();
      await p.getByRole('img', { name: /QR code/ }).waitFor();
    } },
    { name: 'recovery-codes', visit: async (p) => {
      const secret = (await p.locator('#totp-secret').textContent())!.replace(/\s/g, '');
      await p.getByLabel('Authentication code').fill(totpCode(secret, Date.now()));
      await p.getByRole('button', { name: 'Verify' }).click();
      await p.getByRole('heading', { name: 'Recovery codes' }).waitFor();
    } },
    { name: 'login-code', visit: async (p) => {
      await p.getByRole('button', { name: 'Sign out' }).click();
      await p.waitForURL(/\/login$/);
      await p.getByLabel('Email or username').fill(user);
      await p.getByLabel('Password').fill(PASSWORD);
      await p.getByRole('button', { name: 'Sign in', exact: true }).click();
      await p.getByLabel('Authentication code').waitFor();
    } },
    { name: 'admin', visit: async (p) => {
      await signIn(p, 'merlin');
      await p.goto(`${s.url}/admin`);
    } },
    { name: 'admin-user', visit: (p) => p.goto(`${s.url}/admin/users/${userId}`) },
    { name: 'admin-audit', visit: (p) => p.goto(`${s.url}/admin/audit`) },
    { name: 'admin-webhooks', visit: (p) => p.goto(`${s.url}/admin/webhooks`) },
    { name: 'admin-webhook-created', visit: async (p) => {
      await p.getByLabel('URL').fill('http://127.0.0.1:9/hooks');
      await p.getByRole('button', { name: 'Create webhook' }).click();
      await p.getByRole('heading', { name: 'Webhook created' }).waitFor();
    } },
    { name: 'admin-webhook', visit: async (p) => {
      await p.getByRole('link', { name: 'Open the endpoint' }).click();
      await p.getByRole('heading', { name: 'Deliveries' }).waitFor();
    } },
  ];

  it.each(VIEWS)('$name: axe finds nothing serious on any page', async (view) => {
    const { page, problems, close } = await strictPage(browser, { width: view.width, colorScheme: view.colorScheme });
    try {
      for (const scene of scenes(`arthur.${view.name}@camelot.bt`, userIds[view.name]!)) {
        await scene.visit(page);
        expect(await axeViolations(page), `${scene.name} (${view.name})`).toEqual([]);
        if (view.width < 400) await expectNoSidewaysScroll(page);
        if (dialect === DIALECTS[0]) await screenshot(page, `${scene.name}-${view.name}`);
      }
      expect(problems).toEqual([]);
    } finally { await close(); }
  });
});
