import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { coreUser } from '../../support/users-fixtures.js';

describe.each(DIALECTS)('TESSERA_MAIL=off (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_MAIL: 'off' }); });
  afterAll(async () => { await s.close(); });

  it('forgot-password and request-verify-token still answer 202, and no mail goes anywhere (not even the outbox)', async () => {
    await coreUser(s, 'silent@camelot.bt');
    for (const url of ['/auth/forgot-password', '/auth/request-verify-token']) {
      const res = await s.app.inject({ method: 'POST', url, payload: { email: 'silent@camelot.bt' } });
      expect(res.statusCode, url).toBe(202);
    }
    await s.container.accountTokens.drain();
    expect(readdirSync(s.outbox)).toEqual([]);
  });
});
