import Fastify from 'fastify';
import { buildApp } from './dist/app.js';
import { loadConfig } from './dist/config/load-config.js';
import { createContainer } from './dist/container.js';
import { createLogger } from './dist/http/logger.js';
import { mkdtempSync } from 'node:fs';
const d = mkdtempSync('/tmp/inj-');
const config = loadConfig({ TESSERA_DATABASE_URL: `sqlite:${d}/t.db`, TESSERA_RATE_LIMITS: 'off', TESSERA_LOG_LEVEL: 'warn', TESSERA_MAIL_OUTBOX: d, TESSERA_PUBLIC_URL: 'http://t.test' });
const container = await createContainer({ config, logger: createLogger('warn'), hashParams: { memoryCost: 1024, timeCost: 1, parallelism: 1 } });
const app = await buildApp(container); await app.ready();
await app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'a@b.example', password: 'bench-correct-horse-99' } });
const tok = (await app.inject({ method: 'POST', url: '/auth/jwt/login', payload: { username: 'a@b.example', password: 'bench-correct-horse-99' } })).json().access_token;
const mini = Fastify(); mini.get('/healthz', async () => ({ status: 'ok' })); await mini.ready();
async function bench(name, a, opts, N = 20000) {
  for (let i = 0; i < 3000; i++) await a.inject(opts);
  const c0 = process.cpuUsage(); const t = performance.now();
  for (let i = 0; i < N; i++) await a.inject(opts);
  const c = process.cpuUsage(c0);
  console.log(name.padEnd(20), ((performance.now() - t) * 1000 / N).toFixed(1), 'µs wall', ((c.user + c.system) / N).toFixed(1), 'µs cpu');
}
await bench('mini healthz', mini, { url: '/healthz' });
await bench('tessera healthz', app, { url: '/healthz' });
await bench('tessera me', app, { url: '/users/me', headers: { authorization: `Bearer ${tok}` } });
await bench('tessera me 401', app, { url: '/users/me' });

async function loop(name, fn, N = 50000) {
  for (let i = 0; i < 5000; i++) await fn();
  const c0 = process.cpuUsage(); for (let i = 0; i < N; i++) await fn(); const c = process.cpuUsage(c0);
  console.log(name.padEnd(24), ((c.user + c.system) / N).toFixed(2), 'µs cpu');
}
const p = await container.sessions.authenticate(tok);
await loop('sessions.authenticate', () => container.sessions.authenticate(tok));
await loop('users.get', () => container.users.get(p.userId));
await loop('repos.users.findById', () => container.repos.users.findById(p.userId));
const { sql } = await import('kysely');
await loop('db.selectFrom compile only', async () => container.db.selectFrom('users').select(['id','email','email_normalized','username','username_normalized','password_hash','is_active','is_superuser','is_verified','scopes','created_at','updated_at']).where('id', '=', p.userId).compile());
const cq = container.db.selectFrom('users').select(['id','email']).where('id', '=', p.userId).compile();
await loop('db.executeQuery precompiled', () => container.db.executeQuery(cq));
process.exit(0);
