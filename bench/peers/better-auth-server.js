// The peer: a minimal Better Auth server as its docs set one up — email and password enabled, its
// SQLite support over a better-sqlite3 file, node:http through `toNodeHandler`. Defaults otherwise
// (scrypt password hashing, a database read per session check, no cookie cache), except rate
// limits off, as Tessera runs in the bench. Usage: node better-auth-server.js <sqlite file>
// Sends {port} over IPC once listening.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const baseURL = `http://127.0.0.1:${port}`;

const db = new Database(process.argv[2]);
db.pragma('journal_mode = WAL'); // what Tessera runs its SQLite file with, for a like-for-like write path
const auth = betterAuth({
  baseURL,
  secret: randomBytes(32).toString('hex'),
  database: db,
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { level: 'error' },
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

server.on('request', toNodeHandler(auth));
server.keepAliveTimeout = 72_000;
process.send?.({ port });
process.on('SIGTERM', () => server.close(() => process.exit(0)));
