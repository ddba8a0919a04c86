import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createContainer, type Container, type ContainerOptions } from '../../src/container.js';
import { createLogger } from '../../src/http/logger.js';

export type Dialect = 'sqlite' | 'postgres';

/** Every suite runs once per dialect: the embedded default and the real PostgreSQL. */
export const DIALECTS: Dialect[] = (process.env.TESSERA_TEST_DIALECTS ?? 'sqlite,postgres').split(',') as Dialect[];
export const PG_URL = process.env.TESSERA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Cheap argon2id for tests only; production config refuses anything below OWASP's minimum. */
export const TEST_HASH = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

export interface TestServer {
  app: FastifyInstance;
  container: Container;
  outbox: string;
  dialect: Dialect;
  /** The database URL and schema, so a second instance can share them. */
  db: { url: string; schema?: string };
  close(): Promise<void>;
}

export interface TestDb {
  url: string;
  schema?: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file: a temp SQLite file, or a new PostgreSQL schema. */
export function freshDb(dialect: Dialect): TestDb {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-db-'));
  if (dialect === 'sqlite') return { url: `sqlite:${join(dir, 'tessera.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    url: PG_URL, schema,
    async drop() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startServer(dialect: Dialect, env: Record<string, string> = {}, opts: Partial<ContainerOptions> & { db?: TestDb } = {}): Promise<TestServer> {
  const db = opts.db ?? freshDb(dialect);
  const outbox = mkdtempSync(join(tmpdir(), 'tessera-outbox-'));
  const config = loadConfig({
    TESSERA_DATABASE_URL: db.url, TESSERA_MAIL_OUTBOX: outbox, TESSERA_RATE_LIMITS: 'off',
    TESSERA_LOG_LEVEL: 'silent', TESSERA_PUBLIC_URL: 'http://tessera.test', ...env,
  });
  const container = await createContainer({
    config, logger: createLogger(config.logLevel), hashParams: TEST_HASH,
    ...(db.schema ? { dbSchema: db.schema } : {}), ...opts,
  });
  const app = await buildApp(container);
  await app.ready();
  return {
    app, container, outbox, dialect, db: { url: db.url, ...(db.schema ? { schema: db.schema } : {}) },
    async close() {
      await app.close();
      await container.close();
      if (!opts.db) await db.drop();
      rmSync(outbox, { recursive: true, force: true });
    },
  };
}

export interface OutboxMessage { to: string; subject: string; text: string; html: string; kind: 'verify' | 'reset'; token: string }

/** Messages in the outbox, oldest first; waits briefly because mail is sent after the response. */
export async function readOutbox(dir: string, atLeast = 1, timeoutMs = 3000): Promise<OutboxMessage[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort();
    if (files.length >= atLeast || Date.now() > deadline) {
      return files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as OutboxMessage);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
