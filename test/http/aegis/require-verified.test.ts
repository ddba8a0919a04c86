import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { PASS, qs } from '../../support/faces-client.js';

describe.each(DIALECTS)('TESSERA_REQUIRE_VERIFIED=true on the simple and aegis faces (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_REQUIRE_VERIFIED: 'true' });
    await s.container.users.create({ email: null, username: 'unverified', password: PASS });
    await s.container.users.create({ email: null, username: 'verified', password: PASS, isVerified: true });
  });
  afterAll(async () => { await s.close(); });

  it('simple: an unverified user gets 403, a verified one a token', async () => {
    const no = await s.app.inject({ url: `/token?${qs({ user: 'unverified', pass: PASS })}` });
    expect(no.statusCode).toBe(403);
    expect(no.json()).toEqual({ message: 'User is not verified' });
    expect((await s.app.inject({ url: `/token?${qs({ user: 'verified', pass: PASS })}` })).statusCode).toBe(200);
  });

  it('aegis: an unverified user gets AuthenticationFailed, a verified one tokens', async () => {
    const no = await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'unverified', password: PASS } });
    expect(no.statusCode).toBe(401);
    expect(no.json()).toMatchObject({ type: 'http://tessera.test/problems#AuthenticationFailedException', status: '401' });
    expect((await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'verified', password: PASS } })).statusCode).toBe(200);
  });
});
