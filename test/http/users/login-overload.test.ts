import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { register } from '../../support/users-client.js';

/**
 * Password hashing runs a bounded number at a time behind a bounded queue:
 * a login flood beyond the queue is answered 503 at once (with Retry-After),
 * never by piling requests up until memory runs out, and the server serves
 * logins normally again as soon as the flood has passed.
 */
describe.each(DIALECTS)('login flood (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    // A hash dear enough (~10 ms) that 40 logins arriving together outrun one thread and a queue of
    // two on any machine: with the suite's cheapest hash, PostgreSQL's user reads spread the arrivals
    // out enough that every login could fit.
    s = await startServer(dialect, {}, { hashingLimits: { concurrency: 1, maxQueue: 2 }, hashParams: { memoryCost: 8192, timeCost: 3, parallelism: 1 } });
    await register(s.app, 'percival@camelot.bt');
  });
  afterAll(async () => s?.close());

  const login = () => s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload: { username: 'percival@camelot.bt', password: 'correct horse battery' } });

  it('answers 503 Service Unavailable with Retry-After beyond the queue, and 200 to what fits', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, login));
    const codes = answers.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200).length).toBeGreaterThanOrEqual(1);
    expect(codes.filter((c) => c === 503).length).toBeGreaterThanOrEqual(1);
    expect(codes.every((c) => c === 200 || c === 503)).toBe(true);
    for (const r of answers.filter((a) => a.statusCode === 503)) {
      expect(r.json()).toEqual({ detail: 'Service Unavailable' });
      expect(r.headers['retry-after']).toBe('1');
    }
  });

  it('logs in normally once the flood is over', async () => {
    for (let i = 0; i < 3; i++) expect((await login()).statusCode).toBe(200);
  });
});
