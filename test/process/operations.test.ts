import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDatabase } from '../../src/startup-line.js';
import { parseMetrics } from '../support/metrics.js';
import { MAIN, freePort, run, tempDir, waitFor, type Proc } from '../support/process.js';

/** The built server with TESSERA_METRICS_PORT, over real sockets. */
describe('the server process with a metrics port', () => {
  const tmp = tempDir();
  let server: Proc;
  let port: number;
  let metricsPort: number;
  beforeAll(async () => {
    [port, metricsPort] = [await freePort(), await freePort()];
    server = run(MAIN, [], {
      TESSERA_DATABASE_URL: `sqlite:${join(tmp.dir, 'tessera.db')}`, TESSERA_PORT: String(port), TESSERA_METRICS_PORT: String(metricsPort),
      TESSERA_MAIL_OUTBOX: join(tmp.dir, 'outbox'), TESSERA_FACES: 'users,aegis',
      // Never contacted: starting a GitHub sign-in only builds its authorization URL.
      TESSERA_OAUTH_GITHUB_CLIENT_ID: 'camelot', TESSERA_OAUTH_GITHUB_CLIENT_SECRET: 'grail', TESSERA_OAUTH_GITHUB_URL: 'http://127.0.0.1:9',
    }, tmp.dir);
    await waitFor(`http://127.0.0.1:${metricsPort}/healthz`, server);
  });
  afterAll(async () => {
    if (server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    tmp.remove();
  });

  it('logs one start-up line naming version, database, faces, public URL, pages and the metrics port', () => {
    const lines = server.stdout().split('\n').filter((l) => l.includes('"tessera started"'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/), database: `sqlite ${join(tmp.dir, 'tessera.db')}`, faces: 'users,aegis',
      publicUrl: `http://127.0.0.1:${port}`, pages: expect.stringMatching(/^(on|off)$/), metricsPort,
    });
  });

  it('the metrics port serves /metrics, /healthz and /readyz, and no API', async () => {
    await fetch(`http://127.0.0.1:${port}/users/me`);
    const m = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(m.status).toBe(200);
    const samples = parseMetrics(await m.text());
    expect(samples.find((s) => s.name === 'tessera_http_requests_total' && s.labels.route === '/users/me')?.value).toBe(1);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/users/me`)).status).toBe(404);
  });

  it('the main port serves /metrics to this machine', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
  });

  it('loads the social-login providers from the bundle\'s chunk (openid-client is imported only then)', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/auth/github/authorize`);
    expect(res.status).toBe(200);
    const url = new URL(((await res.json()) as { authorization_url: string }).authorization_url);
    expect(url.origin + url.pathname).toBe('http://127.0.0.1:9/login/oauth/authorize');
    expect(url.searchParams.get('client_id')).toBe('camelot');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('SIGTERM closes both listeners and exits 0', async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${metricsPort}/healthz`)).rejects.toThrow();
  });
});

describe('the database in the start-up line', () => {
  it('names dialect, host and database, never the user or password', () => {
    expect(describeDatabase('postgres://tessera:s3cret@db.internal:5433/auth?sslmode=require')).toBe('postgres db.internal:5433/auth');
    expect(describeDatabase('sqlite:./data/tessera.db')).toBe('sqlite ./data/tessera.db');
  });
});
