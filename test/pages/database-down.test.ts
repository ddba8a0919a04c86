import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, freshDb, startServer, type TestDb, type TestServer } from '../support/harness.js';
import { alertOf, pagesClient } from '../support/pages-client.js';
import { startTcpProxy, type TcpProxy } from '../security/support/tcp-proxy.js';

/** PostgreSQL behind a proxy the test cuts: the pages answer 503 pages, never 500, and recover. */
describe('a database that cannot be reached', () => {
  let proxy: TcpProxy;
  let db: TestDb;
  let s: TestServer;
  beforeAll(async () => {
    proxy = await startTcpProxy(Number(new URL(PG_URL).port || 5432), new URL(PG_URL).hostname);
    const url = new URL(PG_URL);
    url.port = String(proxy.port);
    db = { ...freshDb('postgres'), url: url.toString() };
    s = await startServer('postgres', { TESSERA_COOKIE_SECURE: 'false' }, { db });
  });
  afterAll(async () => {
    await proxy?.restore().catch(() => undefined);
    await s?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('is a 503 page with Retry-After and a message, not a 500', async () => {
    const c = pagesClient(s);
    const page = await c.get('/forgot-password');
    await proxy.cut();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const res = await c.post('/forgot-password', { _csrf: csrf, email: 'arthur@camelot.bt' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(alertOf(res.body)).toMatch(/unavailable/);
    await proxy.restore();
    // Back by itself: the same form works again.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await c.submit('/forgot-password', { email: 'arthur@camelot.bt' })).statusCode;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });
});
