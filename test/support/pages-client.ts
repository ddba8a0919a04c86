import type { LightMyRequestResponse } from 'fastify';
import { readOutbox, type OutboxMessage, type TestServer } from './harness.js';

/**
 * A cookie jar and form poster over app.inject, for the hosted pages without
 * a browser: GET a page, read its CSRF field, POST its form as a browser would.
 */
export function pagesClient(s: TestServer) {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (res: LightMyRequestResponse) => {
    for (const c of res.cookies) {
      if (c.value === '' || (c.maxAge !== undefined && c.maxAge <= 0) || (c.expires && c.expires.getTime() < Date.now())) jar.delete(c.name);
      else jar.set(c.name, c.value);
    }
    return res;
  };
  return {
    jar,
    async get(url: string) {
      return keep(await s.app.inject({ method: 'GET', url, headers: jar.size ? { cookie: cookieHeader() } : {} }));
    },
    async post(url: string, fields: Record<string, string>, extraHeaders: Record<string, string> = {}) {
      return keep(await s.app.inject({
        method: 'POST', url, payload: new URLSearchParams(fields).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(jar.size ? { cookie: cookieHeader() } : {}), ...extraHeaders },
      }));
    },
    /** GETs `page`, then posts `fields` with its CSRF token to `action` (default: the page's path). */
    async submit(page: string, fields: Record<string, string>, action = page.split('?')[0]!) {
      const csrf = csrfOf((await this.get(page)).body);
      return this.post(action, { _csrf: csrf, ...fields });
    },
  };
}

export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF field on the page');
  return m[1]!;
}

/** The text of the page's role="alert" element, if any. */
export const alertOf = (html: string) => /role="alert"[^>]*>([^<]*)</.exec(html)?.[1];

/** The newest message of this kind to this address; waits for it because mail is sent after the response. */
export async function mailTo(dir: string, to: string, kind: 'verify' | 'reset', timeoutMs = 3000): Promise<OutboxMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = (await readOutbox(dir, 0, 0)).reverse().find((m) => m.to === to && m.kind === kind);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no ${kind} mail to ${to}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
