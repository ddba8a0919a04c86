import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DIALECTS } from '../support/harness.js';
import { totpCode } from '../support/mfa-client.js';
import { PASSWORD, coreUser } from '../support/users-fixtures.js';
import { launchBrowser, startPagesServer, strictPage, type PagesServer } from '../support/browser-pages.js';

let browser: Browser;
beforeAll(async () => { browser = await launchBrowser(); });
afterAll(async () => { await browser?.close(); });

const STEP = 30_000;

describe.each(DIALECTS)('second factors, passkeys and sessions in a browser (%s)', (dialect) => {
  let s: PagesServer;
  let page: Page;
  let problems: string[];
  let close: () => Promise<void>;
  beforeAll(async () => { s = await startPagesServer(dialect, { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' }); });
  afterAll(async () => { await s?.close(); });
  const open = async () => ({ page, problems, close } = await strictPage(browser));
  const passwordStep = async (login: string) => {
    await page.goto(`${s.url}/login`);
    await page.getByLabel('Email or username').fill(login);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  };

  it('sets up an authenticator app from the account page (10 recovery codes shown), then sign-in asks for its code', async () => {
    await coreUser(s, 'gareth@camelot.bt', { isVerified: true });
    await open();
    try {
      await passwordStep('gareth@camelot.bt');
      await page.waitForURL(`${s.url}/account`);
      await page.getByRole('button', { name: 'Set up authenticator app' }).click();
      await page.waitForURL(`${s.url}/account/totp`);
      await page.getByRole('img', { name: /QR code/ }).waitFor();
      const secret = (await page.locator('#totp-secret').textContent())!.replace(/\s/g, '');
      await page.getByLabel('Authentication code').fill(totpCode(secret, Date.now()));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'Recovery codes' }).waitFor();
      await expect(page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').count()).resolves.toBe(10);

      await page.getByRole('link', { name: 'Back to your account' }).click();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${s.url}/login`);
      await passwordStep('gareth@camelot.bt');
      await page.getByLabel('Authentication code').waitFor();
      expect(page.url()).toBe(`${s.url}/login`);
      await page.getByLabel('Authentication code').fill('000000');
      await page.getByRole('button', { name: 'Verify' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toMatch(/code is not right/);
      // The next step's code: the one of the set-up is spent.
      await page.getByLabel('Authentication code').fill(totpCode(secret, Date.now() + STEP));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${s.url}/account`);
      await page.getByText('mfa.enrolled').waitFor();
      expect(problems).toEqual([]);
    } finally { await close(); }
  });

  it('makes new recovery codes on the account page; one answers the code step once, then it is spent', async () => {
    const user = await coreUser(s, 'lamorak@camelot.bt', { isVerified: true });
    const actor = { userId: user.id, fresh: true };
    const { secret } = await s.container.mfa.enrollTotp(actor);
    await s.container.mfa.confirmTotp(actor, totpCode(secret, Date.now() - STEP));
    await open();
    try {
      await passwordStep('lamorak@camelot.bt');
      await page.getByLabel('Authentication code').fill(totpCode(secret, Date.now()));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${s.url}/account`);
      await page.getByRole('button', { name: 'New recovery codes' }).click();
      const items = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
      await items.first().waitFor();
      const codes = await items.allTextContents();
      expect(codes).toHaveLength(10);

      await page.getByRole('link', { name: 'Back to your account' }).click();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${s.url}/login`);
      await passwordStep('lamorak@camelot.bt');
      await page.getByLabel('Authentication code').fill(codes[3]!.trim());
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${s.url}/account`);
      await page.getByText('9 of 10 left').waitFor();

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${s.url}/login`);
      await passwordStep('lamorak@camelot.bt');
      await page.getByLabel('Authentication code').fill(codes[3]!.trim());
      await page.getByRole('button', { name: 'Verify' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toMatch(/code is not right/);
      expect(page.url()).not.toBe(`${s.url}/account`);
      expect(problems).toEqual([]);
    } finally { await close(); }
  });

  it('adds a passkey from the account page and signs in with it (Chromium virtual authenticator)', async () => {
    await coreUser(s, 'percival@camelot.bt', { isVerified: true });
    await open();
    try {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
      });
      await passwordStep('percival@camelot.bt');
      await page.waitForURL(`${s.url}/account`);
      await page.getByLabel('Passkey name').fill('Grail laptop');
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page.getByRole('status').filter({ hasText: 'passkey is added' }).waitFor();
      await page.getByText('Grail laptop').waitFor();
      const user = (await s.container.users.findByEmail('percival@camelot.bt'))!;
      expect(await s.container.passkeys.list(user.id)).toHaveLength(1);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${s.url}/login`);
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await page.waitForURL(`${s.url}/account`);
      await page.getByText('percival@camelot.bt').first().waitFor();

      // The passkey is a second factor too: a password sign-in asks for it, and it answers.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${s.url}/login`);
      await passwordStep('percival@camelot.bt');
      await page.getByLabel('Authentication code').waitFor();
      await page.getByRole('button', { name: 'Use a passkey' }).click();
      await page.waitForURL(`${s.url}/account`);
      const { items } = await s.container.audit.list({ userId: user.id, type: 'login.succeeded', limit: 1, offset: 0 });
      expect(items[0]!.detail).toMatchObject({ method: 'password+webauthn' });
      expect(problems).toEqual([]);
    } finally { await close(); }
  });

  it('ends another session from the account page: its token stops working', async () => {
    await coreUser(s, 'bedivere@camelot.bt', { isVerified: true });
    const other = await s.container.auth.login('bedivere@camelot.bt', PASSWORD, { client: { userAgent: 'Pigeon/1.0 (carrier)', ip: '203.0.113.7' } });
    await open();
    try {
      await passwordStep('bedivere@camelot.bt');
      await page.waitForURL(`${s.url}/account`);
      const sessions = page.getByRole('region', { name: 'Sessions' });
      await sessions.getByText('Pigeon/1.0 (carrier)').waitFor();
      await sessions.getByText('203.0.113.7').waitFor();
      await sessions.getByRole('button', { name: 'End session' }).click();
      await page.getByRole('status').filter({ hasText: 'That session has ended' }).waitFor();
      await expect(s.container.sessions.authenticate(other.tokens.accessToken)).rejects.toThrow();
      await expect(page.getByRole('region', { name: 'Sessions' }).getByText('Pigeon/1.0 (carrier)').count()).resolves.toBe(0);
      expect(problems).toEqual([]);
    } finally { await close(); }
  });

  it('an admin reads the audit log and creates a webhook (its secret shown once), then deletes it', async () => {
    await coreUser(s, 'merlin@camelot.bt', { isVerified: true, isSuperuser: true });
    await open();
    try {
      await passwordStep('merlin@camelot.bt');
      await page.waitForURL(`${s.url}/account`);
      await page.getByRole('link', { name: 'Admin' }).click();
      await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Audit log' }).click();
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
      await page.getByRole('cell', { name: 'login.succeeded' }).first().waitFor();
      await page.getByLabel('Event type').selectOption('user.created');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/type=user\.created/);
      await expect(page.getByRole('cell', { name: 'login.succeeded' }).count()).resolves.toBe(0);

      await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Webhooks' }).click();
      await page.getByLabel('URL').fill('http://127.0.0.1:9/tessera');
      await page.getByRole('group', { name: 'Events' }).getByLabel('user.registered').check();
      await page.getByRole('button', { name: 'Create webhook' }).click();
      await page.getByRole('heading', { name: 'Webhook created' }).waitFor();
      const secret = await page.locator('#webhook-secret').textContent();
      expect(secret).toMatch(/^whsec_/);
      await page.getByRole('link', { name: 'Open the endpoint' }).click();
      await page.getByText('http://127.0.0.1:9/tessera').waitFor();
      await expect(page.getByText(secret!).count()).resolves.toBe(0);
      await page.getByRole('button', { name: 'Delete webhook' }).click();
      await page.getByRole('status').filter({ hasText: 'deleted' }).waitFor();
      expect(await s.container.webhooks.list()).toEqual([]);
      expect(problems).toEqual([]);
    } finally { await close(); }
  });
});
