// Spawns the real server as `npm start` runs it (`node <flags> dist/server.js`), on a fresh database, and measures start-to-ready.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import pg from 'pg';
import { peakRssMb } from './proc.js';

export const ROOT = new URL('../..', import.meta.url).pathname;

export async function freePort() {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

async function pgQuery(url, text) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try { await client.query(text); } finally { await client.end(); }
}

/** A fresh database: a temp SQLite file, or a throwaway PostgreSQL schema selected through `options`. */
async function freshDatabase(dialect, pgUrl, dir) {
  if (dialect === 'sqlite') return { url: `sqlite:${join(dir, 'tessera.db')}`, drop: async () => {} };
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  await pgQuery(pgUrl, `CREATE SCHEMA ${schema}`);
  const sep = pgUrl.includes('?') ? '&' : '?';
  return {
    url: `${pgUrl}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: () => pgQuery(pgUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  };
}

/** `npm start`'s command (package.json): its node flags and its entry file. */
function startCommand() {
  const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const m = /(?:^|\s)node\s+(.*?)\s*(dist\/\S+\.js)/.exec(start);
  if (!m) throw new Error(`cannot find the node command in the start script: ${start}`);
  return { flags: m[1].split(/\s+/).filter(Boolean), entry: m[2] };
}

/**
 * The node flags the server runs with: those of `npm start`, so the bench
 * measures what users run. BENCH_NODE_ARGS replaces them, for experiments
 * (e.g. BENCH_NODE_ARGS=' ' for none at all).
 */
export function serverNodeFlags() {
  if (process.env.BENCH_NODE_ARGS !== undefined) return process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean);
  return startCommand().flags;
}

/** The file `npm start` runs (the bundle, dist/server.js). */
export const serverEntry = () => startCommand().entry;

/**
 * Starts Tessera as a user would, with production defaults except: rate
 * limits off (one client address would be throttled at once) and log level
 * warn (a log line per request would be measured instead of the server).
 */
export async function startTessera({ dialect, pgUrl, env = {} }) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const db = await freshDatabase(dialect, pgUrl, dir);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const childEnv = {
    ...process.env,
    TESSERA_DATABASE_URL: db.url, TESSERA_HOST: '127.0.0.1', TESSERA_PORT: String(port), TESSERA_PUBLIC_URL: base,
    TESSERA_RATE_LIMITS: 'off', TESSERA_LOG_LEVEL: 'warn', TESSERA_MAIL_OUTBOX: join(dir, 'outbox'), ...env,
  };
  const t0 = performance.now();
  // BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (see lib/profile-summary.js).
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, ...serverNodeFlags(), serverEntry()], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk) => process.stderr.write(chunk.toString().replace(/^(?=.)/gm, '  [tessera] '));
  child.stdout.on('data', prefix);
  child.stderr.on('data', prefix);
  let exited = false;
  child.once('exit', () => { exited = true; });

  let readyMs;
  while (readyMs === undefined) {
    if (exited) throw new Error('tessera exited before it was ready');
    if (performance.now() - t0 > 30_000) throw new Error('tessera not ready after 30 s');
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.status === 200) readyMs = performance.now() - t0;
    } catch { /* not listening yet */ }
    if (readyMs === undefined) await new Promise((r) => setTimeout(r, 5));
  }

  return {
    base, port, pid: child.pid, readyMs, dialect,
    peakRssMb: () => peakRssMb(child.pid),
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The bare node:http baseline in its own process, answering `bytes` of JSON. */
export async function startBare(bytes) {
  const child = spawn(process.execPath, [join(ROOT, 'bench/lib/bare-server.js'), String(bytes)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [msg] = await once(child, 'message');
  return {
    base: `http://127.0.0.1:${msg.port}`, pid: child.pid, bytes: msg.bytes,
    peakRssMb: () => peakRssMb(child.pid),
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
