import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL } from '../support/harness.js';
import { MAIN, freePort, run, tempDir, waitFor, type Proc } from '../support/process.js';

/** The bundled server (`node dist/server.js`, what `npm start` runs) as a real process on SQLite. */
describe('the server process', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('a bad TESSERA_PORT stops it at start with a non-zero exit naming the variable', async () => {
    const p = run(MAIN, [], { TESSERA_PORT: 'eighty', TESSERA_DATABASE_URL: `sqlite:${join(tmp.dir, 'never.db')}` }, tmp.dir);
    const code = await p.exited;
    expect(code).not.toBe(0);
    expect(p.stderr()).toContain('TESSERA_PORT');
    expect(p.stderr()).toBe('tessera: invalid configuration: TESSERA_PORT: must be a whole number from 0 to 65535 (got "eighty")\n');
  });

  it('HS256 without a secret stops it naming TESSERA_JWT_SECRET', async () => {
    const p = run(MAIN, [], { TESSERA_JWT_ALG: 'HS256', TESSERA_DATABASE_URL: `sqlite:${join(tmp.dir, 'never.db')}` }, tmp.dir);
    expect(await p.exited).not.toBe(0);
    expect(p.stderr()).toContain('TESSERA_JWT_SECRET');
  });

  it('an unreachable database stops it naming TESSERA_DATABASE_URL and the cause, never the password', async () => {
    const port = await freePort(); // nothing listens there
    const p = run(MAIN, [], { TESSERA_DATABASE_URL: `postgres://postgres:pw-${port}-secret@127.0.0.1:${port}/test` }, tmp.dir);
    expect(await p.exited).not.toBe(0);
    expect(p.stderr()).toBe(`tessera: failed to start: TESSERA_DATABASE_URL: cannot use the database: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  });

  it('a PostgreSQL search_path naming no existing schema stops it naming TESSERA_DATABASE_URL', async () => {
    const options = encodeURIComponent('-c search_path=tessera_no_such_schema');
    const p = run(MAIN, [], { TESSERA_DATABASE_URL: `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${options}` }, tmp.dir);
    expect(await p.exited).not.toBe(0);
    expect(p.stderr()).toBe('tessera: failed to start: TESSERA_DATABASE_URL: cannot use the database: no schema on its search_path exists\n');
  });

  describe('a real start, SIGTERM and restart', () => {
    let port: number;
    let env: Record<string, string>;
    let base: string;
    let server: Proc;
    const ADMIN = { email: 'root@camelot.bt', password: 'bootstrap password 1' };

    const post = (path: string, body: Record<string, string>, form = false) => fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
      body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
    });
    const get = (path: string, token: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    async function start() {
      server = run(MAIN, [], env, tmp.dir);
      await waitFor(`${base}/healthz`, server);
    }
    async function stop(): Promise<number | null> {
      server.child.kill('SIGTERM');
      return server.exited;
    }

    beforeAll(async () => {
      port = await freePort();
      base = `http://127.0.0.1:${port}`;
      env = {
        TESSERA_DATABASE_URL: `sqlite:${join(tmp.dir, 'data', 'tessera.db')}`, TESSERA_HOST: '127.0.0.1', TESSERA_PORT: String(port),
        TESSERA_PUBLIC_URL: base, TESSERA_MAIL_OUTBOX: join(tmp.dir, 'outbox'), TESSERA_LOG_LEVEL: 'warn',
        TESSERA_BOOTSTRAP_SUPERUSER_EMAIL: ADMIN.email, TESSERA_BOOTSTRAP_SUPERUSER_PASSWORD: ADMIN.password,
      };
      await start();
    });
    afterAll(async () => {
      if (server.child.exitCode === null) await stop();
    });

    let userToken: string;
    it('answers /healthz and /readyz', async () => {
      const h = await fetch(`${base}/healthz`);
      expect(h.status).toBe(200);
      const r = await fetch(`${base}/readyz`);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ status: 'ok' });
    });

    it('serves the API docs: the bundle finds the packages that read their own files', async () => {
      const page = await fetch(`${base}/docs/static/index.html`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('swagger-ui');
      const spec = await fetch(`${base}/openapi.json`);
      expect((await spec.json() as { paths: Record<string, unknown> }).paths).toHaveProperty(['/oauth/introspect']);
    });

    it('created the bootstrap superuser, who can list users', async () => {
      const login = await post('/auth/jwt/login', { username: ADMIN.email, password: ADMIN.password }, true);
      expect(login.status).toBe(200);
      const { access_token } = (await login.json()) as { access_token: string };
      const list = await get('/users', access_token);
      expect(list.status).toBe(200);
      expect(await list.json()).toEqual([expect.objectContaining({ email: ADMIN.email, is_superuser: true, is_verified: true, is_active: true })]);
    });

    it('serves a user over a real socket', async () => {
      // The common-password list the build wrote beside the bundle (scripts/bundle.mjs) is in force.
      const common = await post('/auth/register', { email: 'arthur@camelot.bt', password: 'qwertyuiop' });
      expect(common.status).toBe(400);
      expect(await common.json()).toMatchObject({ detail: { code: 'REGISTER_INVALID_PASSWORD' } });
      expect((await post('/auth/register', { email: 'arthur@camelot.bt', password: 'guinevere forever' })).status).toBe(201);
      const login = await post('/auth/jwt/login', { username: 'arthur@camelot.bt', password: 'guinevere forever' }, true);
      userToken = ((await login.json()) as { access_token: string }).access_token;
      expect((await get('/users/me', userToken)).status).toBe(200);
    });

    it('exits 0 on SIGTERM', async () => {
      expect(await stop()).toBe(0);
      await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    });

    it('after a restart, the signing key and the session survive: a token issued before still works', async () => {
      await start();
      const me = await get('/users/me', userToken);
      expect(me.status).toBe(200);
      expect(((await me.json()) as { email: string }).email).toBe('arthur@camelot.bt');
    });

    it('the bootstrap superuser is not created twice', async () => {
      const login = await post('/auth/jwt/login', { username: ADMIN.email, password: ADMIN.password }, true);
      const { access_token } = (await login.json()) as { access_token: string };
      const list = await get('/users', access_token);
      expect(list.headers.get('x-total-count')).toBe('2');
      expect(await stop()).toBe(0);
    });
  });
});
