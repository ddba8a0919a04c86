import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

/**
 * Two things that make session endings race-free and clock-free:
 *
 * - `users.credentials_version`, moved by every password change or reset, deactivation and
 *   deletion, and `sessions.credentials_version`, the version a session was opened with. A login
 *   inserts its session only while the version it read at the password check is still current
 *   (sessions-repo.ts), and a refresh refuses a session whose user's version moved on.
 * - `sessions.revoked_seq`: the database numbers every revocation (a trigger, so every writer's
 *   revocation is numbered, whatever wrote it), and instances poll by that number instead of by a
 *   time read from their own clocks (core/revocation-list.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  await db.schema.alterTable('users').addColumn('credentials_version', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('sessions').addColumn('credentials_version', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('sessions').addColumn('revoked_seq', 'bigint').execute();
  await db.schema.createIndex('sessions_revoked_seq_idx').on('sessions').column('revoked_seq').execute();

  if (pg) {
    await sql`CREATE SEQUENCE session_revocation_seq`.execute(db);
    // The sequence is named through the table's schema, so a revocation written from a session
    // with another search_path (an operator's psql) is numbered too.
    await sql.raw(`CREATE FUNCTION number_session_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.revoked_seq := nextval(format('%I.session_revocation_seq', TG_TABLE_SCHEMA)::regclass);
        RETURN NEW;
      END $$`).execute(db);
    await sql`CREATE TRIGGER sessions_number_revocation BEFORE UPDATE OF revoked_at ON sessions
      FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
      EXECUTE FUNCTION number_session_revocation()`.execute(db);
    return;
  }
  // SQLite has no sequences: a one-row counter, moved inside the revoking statement's own
  // transaction, so numbers follow commit order (SQLite has one writer at a time).
  await db.schema.createTable('session_revocation_counter')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('value', 'integer', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO session_revocation_counter (id, value) VALUES (1, 0)`.execute(db);
  await sql`CREATE TRIGGER sessions_number_revocation AFTER UPDATE OF revoked_at ON sessions
    FOR EACH ROW WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
    BEGIN
      UPDATE session_revocation_counter SET value = value + 1 WHERE id = 1;
      UPDATE sessions SET revoked_seq = (SELECT value FROM session_revocation_counter WHERE id = 1) WHERE id = NEW.id;
    END`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') {
    await sql`DROP TRIGGER IF EXISTS sessions_number_revocation ON sessions`.execute(db);
    await sql`DROP FUNCTION IF EXISTS number_session_revocation()`.execute(db);
    await sql`DROP SEQUENCE IF EXISTS session_revocation_seq`.execute(db);
  } else {
    await sql`DROP TRIGGER IF EXISTS sessions_number_revocation`.execute(db);
    await db.schema.dropTable('session_revocation_counter').ifExists().execute();
  }
  await db.schema.dropIndex('sessions_revoked_seq_idx').ifExists().execute();
  await db.schema.alterTable('sessions').dropColumn('revoked_seq').execute();
  await db.schema.alterTable('sessions').dropColumn('credentials_version').execute();
  await db.schema.alterTable('users').dropColumn('credentials_version').execute();
}
