import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DIALECTS } from '../support/harness.js';
import { PASSWORD, coreUser } from '../support/users-fixtures.js';
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
  let userId: string;
  beforeAll(async () => {
    s = await startPagesServer(dialect);
    await coreUser(s, 'merlin@camelot.bt', { isSuperuser: true, isVerified: true, username: 'merlin' });
    userId = (await coreUser(s, 'arthur@camelot.bt', { scopes: ['reports:read'] })).id;
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
  const SCENES: { name: string; visit(page: Page): Promise<unknown> }[] = [
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
    { name: 'account', visit: (p) => signIn(p, 'arthur@camelot.bt') },
    { name: 'admin-forbidden', visit: (p) => p.goto(`${s.url}/admin`) },
    { name: 'admin', visit: async (p) => {
      await p.getByRole('button', { name: 'Sign out' }).click();
      await signIn(p, 'merlin');
      await p.goto(`${s.url}/admin`);
    } },
    { name: 'admin-user', visit: (p) => p.goto(`${s.url}/admin/users/${userId}`) },
  ];

  it.each(VIEWS)('$name: axe finds nothing serious on any page', async (view) => {
    const { page, problems, close } = await strictPage(browser, { width: view.width, colorScheme: view.colorScheme });
    try {
      for (const scene of SCENES) {
        await scene.visit(page);
        expect(await axeViolations(page), `${scene.name} (${view.name})`).toEqual([]);
        if (view.width < 400) await expectNoSidewaysScroll(page);
        if (dialect === DIALECTS[0]) await screenshot(page, `${scene.name}-${view.name}`);
      }
      expect(problems).toEqual([]);
    } finally { await close(); }
  });
});
