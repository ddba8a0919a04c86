import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, PG_URL, startServer, type TestDb, type TestServer } from '../support/harness.js';
import { FACE_NAMES, PASSWORD, errorShape, faceLogin, tokenOf, uniqueEmail } from './support/faces.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SQLite: an acknowledged write survives kill -9', () => {
  let dir: string;
  let server: ServerProcess | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-crash-'));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({
    TESSERA_DATABASE_URL: `sqlite:${join(dir, 'tessera.db')}`, TESSERA_MAIL_OUTBOX: join(dir, 'outbox'),
    TESSERA_RATE_LIMITS: 'off', TESSERA_PUBLIC_URL: 'http://tessera.test',
  });
  const post = (url: string, body: object, headers: Record<string, string> = {}) =>
    fetch(`${server!.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('registrations, a password change and a logout acknowledged before the crash are all there after it', async () => {
    server = await startServerProcess(env(), dir);
    // A logged-out session and a changed password, both acknowledged.
    const email = uniqueEmail('lot');
    expect((await post('/auth/register', { email, password: PASSWORD })).status).toBe(201);
    const first = await (await post('/auth/jwt/login', { username: email, password: PASSWORD })).json() as { access_token: string; refresh_token: string };
    expect((await post('/auth/jwt/logout', {}, { authorization: `Bearer ${first.access_token}` })).status).toBe(204);
    const second = await (await post('/auth/jwt/login', { username: email, password: PASSWORD })).json() as { access_token: string };
    const patch = await fetch(`${server.url}/users/me`, {
      method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${second.access_token}` }, body: JSON.stringify({ password: 'the new password!' }),
    });
    expect(patch.status).toBe(200);

    // Registrations in flight: the process dies while some are still being written.
    const acked: string[] = [];
    const emails = Array.from({ length: 40 }, () => uniqueEmail('crash'));
    let enough!: () => void;
    const tenAcked = new Promise<void>((r) => { enough = r; });
    const inflight = emails.map(async (e) => {
      try {
        const res = await post('/auth/register', { email: e, password: PASSWORD });
        if (res.status === 201) acked.push(e);
        if (acked.length >= 10) enough();
      } catch {
        /* connection cut by the crash: not acknowledged */
      }
    });
    await Promise.race([tenAcked, Promise.all(inflight)]);
    const ackedAtCrash = [...acked];
    await server.crash();
    await Promise.all(inflight);
    expect(ackedAtCrash.length).toBeGreaterThanOrEqual(10);

    server = await startServerProcess(env(), dir);
    for (const e of acked) {
      const res = await post('/auth/jwt/login', { username: e, password: PASSWORD });
      expect(res.status, e).toBe(200);
    }
    expect((await post('/auth/jwt/login', { username: email, password: PASSWORD })).status).toBe(400);
    expect((await post('/auth/jwt/login', { username: email, password: 'the new password!' })).status).toBe(200);
    const refresh = await fetch(`${server.url}/oauth/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.refresh_token }),
    });
    expect(refresh.status).toBe(400);
  });
});

describe('PostgreSQL going away mid-traffic', () => {
  let proxy: TcpProxy;
  let db: TestDb;
  let s: TestServer;
  let email: string;
  let token: string;
  beforeAll(async () => {
    const pgPort = Number(new URL(PG_URL).port || 5432);
    proxy = await startTcpProxy(pgPort, new URL(PG_URL).hostname);
    const fresh = freshDb('postgres');
    const url = new URL(PG_URL);
    url.port = String(proxy.port);
    db = { ...fresh, url: url.toString() };
    s = await startServer('postgres', {}, { db });
    email = uniqueEmail('bedivere');
    await s.container.users.create({ email, password: PASSWORD, username: 'bedivere' });
    token = tokenOf('users', await faceLogin(s.app, 'users', email, PASSWORD));
  });
  afterAll(async () => {
    await s?.close();
    await proxy?.close();
    await db?.drop();
  });

  type Outcome = { what: string; status: number; ok: boolean; body: string };

  /** One request of the mix, and whether its answer is right: the expected success, or 503 in the face's format. */
  async function one(i: number): Promise<Outcome> {
    const face = FACE_NAMES[i % FACE_NAMES.length]!;
    const kind = i % 3;
    if (kind === 0) {
      const res = await faceLogin(s.app, face, email, PASSWORD);
      const good = res.statusCode === 200 && tokenOf(face, res).split('.').length === 3;
      return { what: `${face} login`, status: res.statusCode, ok: good || (res.statusCode === 503 && errorShape(face, res)), body: res.body };
    }
    if (kind === 1) {
      const res = await s.app.inject({ url: '/users/me', headers: { authorization: `Bearer ${token}` } });
      const good = res.statusCode === 200 && res.json().email === email;
      return { what: 'users/me', status: res.statusCode, ok: good || (res.statusCode === 503 && errorShape('users', res)), body: res.body };
    }
    const res = await s.app.inject({ method: 'POST', url: '/auth/register', payload: { email: uniqueEmail('wave'), password: PASSWORD } });
    return { what: 'register', status: res.statusCode, ok: res.statusCode === 201 || (res.statusCode === 503 && errorShape('users', res)), body: res.body };
  }

  it('answers 503 (never 500, never a wrong answer) while it is down, and recovers by itself', async () => {
    const outcomes: { phase: string; o: Outcome }[] = [];
    let phase = 'before';
    let stop = false;
    let i = 0;
    const worker = async () => {
      while (!stop) {
        outcomes.push({ phase, o: await one(i++) });
        await sleep(5);
      }
    };
    const workers = [worker(), worker(), worker()];
    await sleep(400);
    phase = 'down';
    await proxy.cut();
    await sleep(1500);
    const ready = await s.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    phase = 'recovering';
    await proxy.restore();
    // Back without restarting Tessera: the pool reconnects on demand.
    const deadline = Date.now() + 10_000;
    while ((await s.app.inject({ url: '/readyz' })).statusCode !== 200) {
      if (Date.now() > deadline) throw new Error('did not recover');
      await sleep(50);
    }
    phase = 'after';
    await sleep(600);
    stop = true;
    await Promise.all(workers);

    const wrong = outcomes.filter(({ o }) => !o.ok).map(({ phase: p, o }) => `${p} ${o.what}: ${o.status} ${o.body.slice(0, 160)}`);
    expect(wrong).toEqual([]);
    const down = outcomes.filter((x) => x.phase === 'down').map((x) => x.o.status);
    expect(down.length).toBeGreaterThan(5);
    expect(down.filter((c) => c === 503).length).toBeGreaterThan(0);
    // The users/me answers during the outage need the database (user still active?): 503, never 200 on a guess.
    const after = outcomes.filter((x) => x.phase === 'after').map((x) => x.o.status);
    expect(after.length).toBeGreaterThan(5);
    expect(after.every((c) => c === 200 || c === 201)).toBe(true);
  });
});
