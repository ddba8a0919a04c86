import type { Kysely } from 'kysely';

/**
 * The audit log (`audit_events`, read newest first overall, by user and by type) and what the
 * sessions API shows of a session: where it was opened (ip, user agent, face) and when it was
 * last used (written at most once a minute per session and instance, core/session-activity.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('actor_id', 'text')
    .addColumn('face', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_events_at_idx').on('audit_events').columns(['at', 'id']).execute();
  await db.schema.createIndex('audit_events_user_idx').on('audit_events').columns(['user_id', 'at']).execute();
  await db.schema.createIndex('audit_events_type_idx').on('audit_events').columns(['type', 'at']).execute();

  for (const column of ['ip', 'user_agent', 'face']) {
    await db.schema.alterTable('sessions').addColumn(column, 'text').execute();
  }
  await db.schema.alterTable('sessions').addColumn('last_used_at', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['last_used_at', 'face', 'user_agent', 'ip']) {
    await db.schema.alterTable('sessions').dropColumn(column).execute();
  }
  await db.schema.dropTable('audit_events').ifExists().execute();
}
