import { existsSync } from 'node:fs';

/** A source system's SQL database, read only: SQLite file or PostgreSQL, one connection. */
export interface SqlSource {
  dialect: 'sqlite' | 'postgres';
  /** Runs `text` with `$1…$n` placeholders (each used once, in order). */
  all<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  hasTable(name: string): Promise<boolean>;
  close(): Promise<void>;
}

export class SourceUnavailable extends Error {}

/**
 * The forms SQLAlchemy users have in their settings: `postgres://…` or
 * `postgresql://…` (also `postgresql+asyncpg://…`), `sqlite:///relative.db` or
 * `sqlite:////absolute.db` (also `+aiosqlite`), or a plain file path.
 */
export async function openSqlSource(source: string): Promise<SqlSource> {
  const driverless = source.replace(/^(postgres(?:ql)?|sqlite)\+\w+:/, '$1:');
  if (/^postgres(ql)?:\/\//.test(driverless)) return openPostgres(driverless);
  const path = driverless.startsWith('sqlite:///') ? driverless.slice('sqlite:///'.length)
    : driverless.startsWith('sqlite:') ? driverless.slice('sqlite:'.length) : driverless;
  if (!existsSync(path)) throw new SourceUnavailable(`no SQLite database at ${path}`);
  const { default: Sqlite } = await import('better-sqlite3');
  const db = new Sqlite(path, { readonly: true, fileMustExist: true });
  return {
    dialect: 'sqlite',
    all: async <T>(text: string, params: unknown[] = []) => db.prepare(text.replace(/\$\d+/g, '?')).all(...params) as T[],
    hasTable: async (name) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined,
    close: async () => { db.close(); },
  };
}

async function openPostgres(url: string): Promise<SqlSource> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    // The URL may carry a password: only the driver's reason is shown.
    throw new SourceUnavailable(`cannot connect to the source database: ${(err as Error).message}`);
  }
  return {
    dialect: 'postgres',
    all: async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as T[],
    hasTable: async (name) => (await client.query(
      'SELECT 1 FROM information_schema.tables WHERE table_name = $1 AND table_schema = ANY (current_schemas(false))', [name])).rowCount! > 0,
    close: async () => { await client.end(); },
  };
}
