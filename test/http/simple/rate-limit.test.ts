import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICIES } from '../../../src/http/plugins/rate-limit-policies.js';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { PASS, qs, simpleSignup } from '../../support/faces-client.js';

describe.each(DIALECTS)('simple and aegis logins share the login rate limit (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_RATE_LIMITS: 'on' });
    await simpleSignup(s.app, 'sagramore');
  });
  afterAll(async () => { await s.close(); });

  it('answers 429 with Retry-After, in each face\'s own format, once an address has used its allowance', async () => {
    const max = POLICIES.login.perAddress.max;
    for (let i = 0; i < max; i++) {
      const res = await s.app.inject({ url: `/token?${qs({ user: 'sagramore', pass: PASS })}` });
      expect(res.statusCode, `login ${i + 1}`).toBe(200);
    }
    const simple = await s.app.inject({ url: `/token?${qs({ user: 'sagramore', pass: PASS })}` });
    expect(simple.statusCode).toBe(429);
    expect(Number(simple.headers['retry-after'])).toBeGreaterThan(0);
    expect(simple.json()).toEqual({ message: 'Too Many Requests' });
    const aegis = await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'sagramore', password: PASS } });
    expect(aegis.statusCode).toBe(429);
    expect(aegis.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(aegis.json()).toEqual({
      type: 'http://tessera.test/problems#TooManyRequestsException', title: 'Too Many Requests', detail: 'Too many requests; retry after the number of seconds in the Retry-After header.',
      instance: 'http://tessera.test/auth', status: '429',
    });
  });
});
