import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startServer, type Dialect, type TestServer } from './harness.js';
import { freePort } from './process.js';

/**
 * Browser tests of the hosted pages: one Chromium per test file, servers on a
 * real socket whose public URL is http://localhost:<port> (passkeys need a
 * host name), pages found by label, role and button name.
 */
export const CHROMIUM = process.env.TESSERA_CHROMIUM ?? onPath(['chromium', 'chromium-browser']);

/** The first of these programs found on PATH (the distribution's Chromium package). */
function onPath(names: string[]): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of names) if (existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`Chromium not found on PATH (${names.join(', ')}); install it or set TESSERA_CHROMIUM`);
}
export const SCREENSHOTS = process.env.TESSERA_SCREENSHOTS === '1';
const SCREENSHOT_DIR = new URL('../../docs/pages/', import.meta.url).pathname;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'] });
}

export interface PagesServer extends TestServer { url: string }

export async function startPagesServer(dialect: Dialect, env: Record<string, string> = {}): Promise<PagesServer> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const s = await startServer(dialect, { TESSERA_PUBLIC_URL: url, TESSERA_COOKIE_SECURE: 'false', ...env });
  await s.app.listen({ port, host: 'localhost' });
  return Object.assign(s, { url });
}

/**
 * A page that fails the test on any Content-Security-Policy report or script error:
 * the pages must work without inline script or style.
 */
export async function strictPage(browser: Browser, opts: { width?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<{ page: Page; problems: string[]; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1024, height: 800 }, colorScheme: opts.colorScheme ?? 'light' });
  const page = await context.newPage();
  const problems: string[] = [];
  // Failed loads are the pages' own 4xx answers (a wrong password is a 400): only CSP reports count.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  return { page, problems, close: () => context.close() };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now (none expected). */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  // Browser-side code as text: the project's TypeScript has no DOM library.
  const result = await page.evaluate('axe.run(document, { resultTypes: ["violations"] })') as {
    violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Nothing wider than the viewport: the page reads on a 375 px phone without sideways scrolling. */
export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const { scroll, width } = await page.evaluate('({ scroll: document.documentElement.scrollWidth, width: window.innerWidth })') as { scroll: number; width: number };
  expect(scroll, `page is ${scroll}px wide in a ${width}px viewport`).toBeLessThanOrEqual(width);
}

/** Writes docs/pages/<name>.png when TESSERA_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage: true });
}
