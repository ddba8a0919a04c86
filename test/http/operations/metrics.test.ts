import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMetricsApp } from '../../../src/http/metrics-server.js';
import { aegisLogin, qs, simpleSignup } from '../../support/faces-client.js';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { parseMetrics, scrape, valueOf } from '../../support/metrics.js';
import { bearer, login, register } from '../../support/users-client.js';

const EMAIL = 'gawain@camelot.bt';
const PASSWORD = 'correct horse battery';

describe.each(DIALECTS)('GET /metrics (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect);
  });
  afterAll(async () => s?.close());

  it('is Prometheus text whose every metric is named tessera_*, process metrics included', async () => {
    const res = await s.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseMetrics(res.body);
    expect(samples.every((m) => m.name.startsWith('tessera_'))).toBe(true);
    const names = new Set(samples.map((m) => m.name));
    for (const n of ['tessera_process_cpu_user_seconds_total', 'tessera_process_resident_memory_bytes', 'tessera_nodejs_eventloop_lag_seconds']) {
      expect(names).toContain(n);
    }
    expect(valueOf(samples, 'tessera_password_hash_queue_depth', { state: 'waiting' })).toBe(0);
    expect(samples.filter((m) => m.name === 'tessera_webhook_deliveries_total').map((m) => m.labels.outcome).sort()).toEqual(['delivered', 'dropped', 'failed']);
  });

  it('counts requests by face, route pattern, method and status, and times them, with no user data in any label', async () => {
    const { id } = await register(s.app, EMAIL);
    const { access_token, refresh_token } = await login(s.app, EMAIL);
    for (let i = 0; i < 3; i++) expect((await s.app.inject({ url: '/users/me', headers: bearer(access_token) })).statusCode).toBe(200);
    expect((await s.app.inject({ url: `/users/${id}`, headers: bearer(access_token) })).statusCode).toBe(403);
    expect((await s.app.inject({ url: `/nowhere/${refresh_token}` })).statusCode).toBe(404);

    const res = await s.app.inject({ url: '/metrics' });
    for (const secret of [id, EMAIL, access_token, refresh_token, 'nowhere']) expect(res.body).not.toContain(secret);
    const samples = parseMetrics(res.body);
    expect(valueOf(samples, 'tessera_http_requests_total', { face: 'users', route: '/users/me', method: 'GET', status: '200' })).toBe(3);
    expect(valueOf(samples, 'tessera_http_requests_total', { face: 'users', route: '/users/:id', method: 'GET', status: '403' })).toBe(1);
    expect(valueOf(samples, 'tessera_http_requests_total', { face: 'users', route: '/auth/register', status: '201' })).toBe(1);
    expect(valueOf(samples, 'tessera_http_requests_total', { face: 'none', route: 'unmatched', status: '404' })).toBe(1);
    expect(valueOf(samples, 'tessera_http_request_duration_seconds_count', { face: 'users', route: '/users/me', method: 'GET' })).toBe(3);
    expect(valueOf(samples, 'tessera_http_request_duration_seconds_bucket', { face: 'users', route: '/users/me', le: '+Inf' })).toBe(3);
  });

  it('counts logins by face and outcome, wherever the login came in', async () => {
    const before = await scrape(s.app);
    await login(s.app, EMAIL);
    await aegisLogin(s.app, EMAIL);
    expect((await s.app.inject({ method: 'POST', url: '/auth', payload: { username: EMAIL, password: 'not the password' } })).statusCode).toBe(401);
    await simpleSignup(s.app, 'bors');
    expect((await s.app.inject({ url: `/token?${qs({ user: 'bors', pass: 'wrong wrong wrong' })}` })).statusCode).toBe(404);
    const form = { username: EMAIL, password: PASSWORD, grant_type: 'password' };
    expect((await s.app.inject({ method: 'POST', url: '/oauth/token', payload: qs(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode).toBe(200);

    const after = await scrape(s.app);
    const delta = (face: string, outcome: string) => valueOf(after, 'tessera_logins_total', { face, outcome }) - valueOf(before, 'tessera_logins_total', { face, outcome });
    expect(delta('users', 'success')).toBe(1);
    expect(delta('aegis', 'success')).toBe(1);
    expect(delta('aegis', 'invalid_credentials')).toBe(1);
    expect(delta('simple', 'invalid_credentials')).toBe(1);
    expect(delta('oauth2', 'success')).toBe(1);
  });

  it('counts ended sessions', async () => {
    const before = valueOf(await scrape(s.app), 'tessera_sessions_revoked_total');
    const { access_token } = await login(s.app, EMAIL);
    expect((await s.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: bearer(access_token) })).statusCode).toBe(204);
    expect(valueOf(await scrape(s.app), 'tessera_sessions_revoked_total') - before).toBe(1);
  });

  it('answers 403 to a client that is not on this machine, also through a local proxy', async () => {
    const denied = await s.app.inject({ url: '/metrics', remoteAddress: '203.0.113.7' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toEqual({ detail: 'Forbidden' });
    expect(denied.body).not.toContain('tessera_');
    // A reverse proxy on this machine relaying a remote client, whether or not it is a trusted proxy.
    expect((await s.app.inject({ url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.7' } })).statusCode).toBe(403);
    expect((await s.app.inject({ url: '/metrics', headers: { forwarded: 'for=203.0.113.7;proto=https' } })).statusCode).toBe(403);
    expect((await s.app.inject({ url: '/metrics', remoteAddress: '::1' })).statusCode).toBe(200);
  });
});

describe('GET /metrics behind a trusted proxy', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(DIALECTS[0]!, { TESSERA_TRUSTED_PROXIES: '127.0.0.1' });
  });
  afterAll(async () => s?.close());

  it('is refused to the remote client the proxy names, and served to a local one', async () => {
    expect((await s.app.inject({ url: '/metrics', headers: { 'x-forwarded-for': '198.51.100.1' } })).statusCode).toBe(403);
    expect((await s.app.inject({ url: '/metrics', headers: { 'x-forwarded-for': '127.0.0.1' } })).statusCode).toBe(200);
  });
});

describe.each(DIALECTS)('the TESSERA_METRICS_PORT listener (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_METRICS_PORT: '9464' });
  });
  afterAll(async () => s?.close());

  it('serves /metrics to any client that reaches it, /healthz and /readyz, and nothing else', async () => {
    const ops = await buildMetricsApp(s.container);
    try {
      const res = await ops.inject({ url: '/metrics', remoteAddress: '10.1.2.3' });
      expect(res.statusCode).toBe(200);
      expect(parseMetrics(res.body).some((m) => m.name === 'tessera_http_requests_total' || m.name === 'tessera_process_cpu_user_seconds_total')).toBe(true);
      expect((await ops.inject({ url: '/healthz' })).statusCode).toBe(200);
      expect((await ops.inject({ url: '/readyz' })).json()).toEqual({ status: 'ok' });
      expect((await ops.inject({ url: '/users/me' })).statusCode).toBe(404);
    } finally {
      await ops.close();
    }
  });
});
