import { sql, type Kysely } from 'kysely';
import { usernameSkeleton } from '../username-skeleton.js';

/**
 * Security round 2:
 * - oauth_accounts.email_verified: whether the account's email was proven when
 *   the identity was linked (links made while it was not are dropped when the
 *   email is later proven by mail). Existing links take their user's current
 *   is_verified: the best that can be known now.
 * - users.username_skeleton: the UTS #39 skeleton of the username, unique, so
 *   no two usernames look alike. Existing names are filled in; of names that
 *   already look alike, the older keeps its skeleton and the newer gets none.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('oauth_accounts').addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await sql`update oauth_accounts set email_verified = 1
    where user_id in (select id from users where is_verified = 1)`.execute(db);

  await db.schema.alterTable('users').addColumn('username_skeleton', 'text').execute();
  const rows = await db.selectFrom('users').select(['id', 'username']).where('username', 'is not', null).orderBy('seq').execute();
  const taken = new Set<string>();
  for (const r of rows as { id: string; username: string }[]) {
    const skeleton = usernameSkeleton(r.username);
    if (taken.has(skeleton)) continue;
    taken.add(skeleton);
    await db.updateTable('users').set({ username_skeleton: skeleton }).where('id', '=', r.id).execute();
  }
  await db.schema.createIndex('users_username_skeleton_uq').on('users').column('username_skeleton').unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('users_username_skeleton_uq').ifExists().execute();
  await db.schema.alterTable('users').dropColumn('username_skeleton').execute();
  await db.schema.alterTable('oauth_accounts').dropColumn('email_verified').execute();
}
