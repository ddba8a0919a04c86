import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

/**
 * What the wisdom authorization service's user administration needs
 * (docs/wisdom.md): an integer account number and names on every user,
 * described scope definitions, and roles (named sets of scopes) linked to users.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  // Integer ids as wisdom has them (its account, scope and role ids are integers too).
  const serial = pg ? 'serial' : 'integer';
  const key = (c: ColumnDefinitionBuilder) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement());

  await db.schema.alterTable('users').addColumn('account_number', 'bigint').execute();
  await db.schema.alterTable('users').addColumn('first_name', 'text').execute();
  await db.schema.alterTable('users').addColumn('last_name', 'text').execute();
  // Existing users are numbered 1, 2, … in creation order (seq); one statement in both dialects.
  await sql`update users set account_number = s.n
    from (select seq, row_number() over (order by seq) as n from users) as s
    where users.seq = s.seq`.execute(db);
  if (pg) await sql`alter table users alter column account_number set not null`.execute(db);
  await db.schema.createIndex('users_account_number_uq').on('users').column('account_number').unique().execute();

  // The last account number handed out. A counter rather than max()+1: a deleted user's number
  // is never given to someone else (clients may still hold it).
  await db.schema
    .createTable('counters')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into counters (name, value) select 'account_number', coalesce(max(account_number), 0) from users`.execute(db);

  await db.schema
    .createTable('scope_definitions')
    .addColumn('id', serial, key)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('value', 'text', (c) => c.notNull().unique())
    .execute();
  // wisdom's own seed, in its order (admin first), names and descriptions as it wrote them.
  await db.insertInto('scope_definitions').values([
    { name: 'Authorization Administration', description: 'This scope allows the administrative access to the authorization service', value: 'admin' },
    { name: 'Account Access', description: "This scope allows the reading of all account data and the possibility to change the account's password", value: 'me' },
  ]).execute();

  await db.schema
    .createTable('roles')
    .addColumn('id', serial, key)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .createTable('role_scopes')
    .addColumn('role_id', 'integer', (c) => c.notNull().references('roles.id').onDelete('cascade'))
    .addColumn('scope_id', 'integer', (c) => c.notNull().references('scope_definitions.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('role_scopes_pk', ['role_id', 'scope_id'])
    .execute();
  await db.schema
    .createTable('user_roles')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role_id', 'integer', (c) => c.notNull().references('roles.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role_id'])
    .execute();
  // The user-record read looks roles up by user (the primary key's first column); role deletes by role.
  await db.schema.createIndex('user_roles_role_idx').on('user_roles').column('role_id').execute();
  await db.schema.createIndex('role_scopes_scope_idx').on('role_scopes').column('scope_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['user_roles', 'role_scopes', 'roles', 'scope_definitions', 'counters']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
  await db.schema.dropIndex('users_account_number_uq').ifExists().execute();
  for (const c of ['last_name', 'first_name', 'account_number']) await db.schema.alterTable('users').dropColumn(c).execute();
}
