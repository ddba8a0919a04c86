import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnavailable } from '../../../src/store/store-unavailable.js';
import { startServer, type TestServer } from '../../support/harness.js';
import { register } from '../../support/users-client.js';

/**
 * A database that refuses writes is not ready, and a write it refuses is 503
 * in the face's format. SQLite is made read-only with `query_only`, which
 * refuses writes with the same SQLITE_READONLY a read-only file gives.
 */
describe('a read-only SQLite database', () => {
  let s: TestServer;
  const readOnly = (on: boolean) => sql.raw(`pragma query_only = ${on ? 'on' : 'off'}`).execute(s.container.db);
  beforeAll(async () => {
    s = await startServer('sqlite');
    await register(s.app, 'lancelot@camelot.bt');
  });
  afterAll(async () => s?.close());

  it('/readyz is 503 while writes are refused, /healthz stays 200, and both recover', async () => {
    expect((await s.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    await readOnly(true);
    try {
      const r = await s.app.inject({ url: '/readyz' });
      expect(r.statusCode).toBe(503);
      expect(r.json()).toEqual({ status: 'unavailable' });
      expect((await s.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await readOnly(false);
    }
    expect((await s.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });

  it('a refused write is 503 in each face format, never 500', async () => {
    await readOnly(true);
    try {
      const users = await s.app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'tristan@camelot.bt', password: 'correct horse battery' } });
      expect(users.statusCode).toBe(503);
      expect(users.json()).toEqual({ detail: 'Service Unavailable' });
      // A login writes its session: refused the same way, in the aegis problem format.
      const aegis = await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'lancelot@camelot.bt', password: 'correct horse battery' } });
      expect(aegis.statusCode).toBe(503);
      expect(aegis.headers['content-type']).toMatch(/^application\/problem\+json/);
    } finally {
      await readOnly(false);
    }
  });
});

describe('PostgreSQL refusals that mean "not now"', () => {
  it('a read-only transaction (a standby) and a full disk are unavailable, not bugs', () => {
    for (const code of ['25006', '53100', '53300']) expect(isUnavailable({ code })).toBe(true);
    expect(isUnavailable({ code: '23505' })).toBe(false);
    expect(isUnavailable({ code: 'SQLITE_READONLY' })).toBe(true);
  });
});
