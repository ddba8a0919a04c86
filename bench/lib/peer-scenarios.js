// The peer a TypeScript team would pick instead: Better Auth (bench/peers/better-auth-server.js),
// measured with the same load as Tessera. Installed on first use into bench/peers/node_modules from
// the committed lock file, never a dependency of Tessera itself. Opt-in: BENCH_PEERS=1.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { JSON_TYPE, PASSWORD, bareOf, call, expect, uniqueEmail } from './client.js';
import { peakRssMb } from './proc.js';

const PEERS = new URL('../peers/', import.meta.url).pathname;

function installPeers() {
  if (existsSync(join(PEERS, 'node_modules/better-auth/package.json'))) return;
  process.stderr.write('installing the bench peers (npm ci --prefix bench/peers)\n');
  execFileSync('npm', ['ci', '--prefix', PEERS, '--no-audit', '--no-fund'], { stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Better Auth on a fresh SQLite file, started like Tessera's server: spawn to ready measured. */
export async function startBetterAuth() {
  installPeers();
  const dir = mkdtempSync(join(tmpdir(), 'better-auth-bench-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(PEERS, 'better-auth-server.js'), join(dir, 'auth.db')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [msg] = await once(child, 'message');
  const readyMs = performance.now() - t0;
  return {
    base: `http://127.0.0.1:${msg.port}`, pid: child.pid, readyMs,
    peakRssMb: () => peakRssMb(child.pid),
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A user signed up and signed in; its session cookie. Better Auth wants an Origin on state-changing calls, as a browser sends. */
async function signedIn(base) {
  const email = uniqueEmail('peer');
  const headers = { origin: base };
  expect(await call(base, 'POST', '/api/auth/sign-up/email', { headers, json: { email, password: PASSWORD, name: 'Bench' } }), 200, 'Better Auth sign-up');
  const res = expect(await call(base, 'POST', '/api/auth/sign-in/email', { headers, json: { email, password: PASSWORD } }), 200, 'Better Auth sign-in');
  return { email, cookie: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') };
}

export const PEER_SCENARIOS = {
  /** Tessera's `me` counterpart: the session behind a cookie, and its user. */
  'better-auth-session': {
    title: 'Better Auth GET /api/auth/get-session (cookie)',
    peer: true,
    start: startBetterAuth,
    async prepare(base) {
      const { cookie } = await signedIn(base);
      const probe = expect(await call(base, 'GET', '/api/auth/get-session', { headers: { cookie } }), 200, 'get-session');
      if (!probe.data?.session) throw new Error('get-session with the cookie found no session');
      const req = { method: 'GET', path: '/api/auth/get-session', headers: { cookie } };
      return { bytes: probe.bytes, tessera: { requests: [req] }, bare: { requests: [bareOf(req)] } };
    },
  },

  /** Tessera's `login` counterpart: the password check (Better Auth's default, scrypt) and a new session. */
  'better-auth-sign-in': {
    title: 'Better Auth POST /api/auth/sign-in/email (scrypt)',
    peer: true,
    start: startBetterAuth,
    async prepare(base) {
      const { email } = await signedIn(base);
      const body = JSON.stringify({ email, password: PASSWORD });
      const headers = { 'content-type': JSON_TYPE, origin: base };
      const probe = expect(await call(base, 'POST', '/api/auth/sign-in/email', { headers: { origin: base }, json: { email, password: PASSWORD } }), 200, 'sign-in');
      const req = { method: 'POST', path: '/api/auth/sign-in/email', headers, body };
      return { bytes: probe.bytes, tessera: { requests: [req] }, bare: { requests: [bareOf(req, body)] } };
    },
  },
};
