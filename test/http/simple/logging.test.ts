import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/http/logger.js';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { qs } from '../../support/faces-client.js';

const PASSWORD = 'Sir-Kay-Seneschal-7731';
const NEW_PASSWORD = 'Sir-Kay-Seneschal-8842';

describe.each(DIALECTS)('tokens and passwords never reach the logs (%s)', (dialect) => {
  let s: TestServer;
  const lines: string[] = [];
  beforeAll(async () => {
    // Everything the server logs, at the most verbose level, lands in `lines`.
    const logger = createLogger('trace', { write: (line: string) => { lines.push(line); } });
    s = await startServer(dialect, { TESSERA_LOG_LEVEL: 'trace' }, { logger });
  });
  afterAll(async () => { await s.close(); });

  it('redacts secrets sent in query strings, headers and bodies of the simple and aegis faces', async () => {
    const secrets: string[] = [PASSWORD, NEW_PASSWORD];
    const inject = (o: InjectOptions) => s.app.inject(o);

    expect((await inject({ method: 'POST', url: `/user?${qs({ user: 'kay', pass: PASSWORD })}` })).statusCode).toBe(201);
    const access = (await inject({ url: `/token?${qs({ user: 'kay', pass: PASSWORD })}` })).body;
    expect((await inject({ url: `/token?${qs({ user: 'kay', pass: 'wrong-' + PASSWORD })}` })).statusCode).toBe(404);
    const refresh = (await inject({ url: '/refresh_token', headers: { authorization: `Bearer ${access}` } })).body;
    const stale = (await inject({ url: `/token?${qs({ user: refresh })}` })).body;
    expect((await inject({ url: `/check?${qs({ access_token: stale })}` })).statusCode).toBe(200);
    expect((await inject({ url: `/check?${qs({ access_token: stale + 'x' })}` })).statusCode).toBe(400);
    const aegis = (await inject({ method: 'POST', url: '/auth', payload: { username: 'kay', password: PASSWORD } })).json();
    const aegisAccess = (await inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: aegis.refresh_token } })).json().access_token;
    expect((await inject({ url: '/me', headers: { authorization: `Bearer ${aegisAccess}` } })).statusCode).toBe(200);
    expect((await inject({ method: 'DELETE', url: `/refresh_token?${qs({ refresh_token: refresh, access_token: access })}` })).statusCode).toBe(204);
    const fresh = (await inject({ url: `/token?${qs({ user: 'kay', pass: PASSWORD })}` })).body;
    expect((await inject({ method: 'PATCH', url: `/user?${qs({ pass: NEW_PASSWORD, access_token: fresh })}` })).statusCode).toBe(200);
    secrets.push(access, refresh, stale, aegis.access_token, aegis.refresh_token, aegisAccess, fresh);

    const log = lines.join('');
    // The request logs are there, with their secret arguments redacted...
    expect(log).toContain('"url":"/token?user=[redacted]&pass=[redacted]"');
    expect(log).toContain('"url":"/check?access_token=[redacted]"');
    expect(log).toContain('"url":"/refresh_token?refresh_token=[redacted]&access_token=[redacted]"');
    // ...and no secret appears anywhere, whole or as its signature part.
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(15);
      expect(log).not.toContain(secret);
      expect(log).not.toContain(secret.split('.').pop());
    }
  });
});
