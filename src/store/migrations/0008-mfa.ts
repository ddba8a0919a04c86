import type { Kysely } from 'kysely';

/**
 * Multi-factor authentication:
 * - `users.mfa_enabled`: 1 while the user has a second factor (confirmed TOTP or a passkey), read by
 *   the query login already makes, so a user without MFA costs no extra query at login.
 * - `mfa_totp`: one row per user; the confirmed secret and a pending one (enrolment not yet confirmed),
 *   both sealed at rest, and the last accepted time step (each code is accepted once).
 * - `mfa_recovery_codes`: keyed hashes (HMAC-SHA256) of single-use recovery codes.
 * - `mfa_challenges`: the second step of a password login, by the SHA-256 of its `mfa_token`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('mfa_enabled', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema.createTable('mfa_totp')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('secret_enc', 'text')
    .addColumn('confirmed_at', 'bigint')
    .addColumn('pending_enc', 'text')
    .addColumn('pending_at', 'bigint')
    .addColumn('last_step', 'bigint')
    .execute();

  await db.schema.createTable('mfa_recovery_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mfa_recovery_codes_user_idx').on('mfa_recovery_codes').column('user_id').execute();

  await db.schema.createTable('mfa_challenges')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('backend', 'text', (c) => c.notNull())
    .addColumn('scope', 'text')
    .addColumn('credentials_version', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mfa_challenges_expires_idx').on('mfa_challenges').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('mfa_challenges').ifExists().execute();
  await db.schema.dropTable('mfa_recovery_codes').ifExists().execute();
  await db.schema.dropTable('mfa_totp').ifExists().execute();
  await db.schema.alterTable('users').dropColumn('mfa_enabled').execute();
}
