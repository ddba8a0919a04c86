import { randomUUID } from 'node:crypto';
import { Migrator, sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDb, dialectOf, migrateToLatest } from '../../src/store/create-db.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { createRepos } from '../../src/store/repos/index.js';
import { DIALECTS, freshDb, type TestDb } from '../support/harness.js';
import { insertUsersBefore0003, openMigratedTo } from '../support/store.js';

const T = 1_700_000_000_000;

describe.each(DIALECTS)('migrations (%s)', (dialect) => {
  const dbs: TestDb[] = [];
  const fresh = () => { const d = freshDb(dialect); dbs.push(d); return d; };
  const open = (d: TestDb) => createDb({ url: d.url, ...(d.schema ? { schema: d.schema } : {}) });
  afterAll(async () => { for (const d of dbs) await d.drop(); });

  it('are idempotent: running them twice changes nothing and keeps the data', async () => {
    const d = fresh();
    const db = await open(d);
    try {
      await migrateToLatest(db);
      const id = randomUUID();
      await createRepos(db).users.insert({ id, email: 'kept@camelot.bt', username: null, passwordHash: null, isActive: true, isSuperuser: false, isVerified: false, scopes: [], createdAt: T, updatedAt: T });
      await migrateToLatest(db);
      expect((await createRepos(db).users.findById(id))?.email).toBe('kept@camelot.bt');
    } finally {
      await db.destroy();
    }
    // And from a new connection, as after a restart.
    const again = await open(d);
    try {
      await migrateToLatest(again);
      expect(await createRepos(again).users.count()).toBe(1);
    } finally {
      await again.destroy();
    }
  });

  it('two instances migrating the same empty database at once both succeed', async () => {
    const d = fresh();
    const [a, b] = await Promise.all([open(d), open(d)]);
    try {
      await Promise.all([migrateToLatest(a), migrateToLatest(b)]);
      expect(await createRepos(a).users.count()).toBe(0);
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });

  it('0004 fills in username skeletons (the older of two lookalikes keeps it) and the links\' email_verified from their users', async () => {
    const d = fresh();
    const db = await open(d);
    try {
      const schema = dialectOf(db) === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s : undefined;
      const migrator = new Migrator({ db, provider: migrationProvider, ...(schema ? { migrationTableSchema: schema } : {}) });
      expect((await migrator.migrateTo('0002-oauth-accounts')).error).toBeUndefined();
      const user = (id: string, username: string, verified: number, seq: number) => sql`insert into users
        (id, email, email_normalized, username, username_normalized, password_hash, is_active, is_superuser, is_verified, scopes, created_at, updated_at)
        values (${id}, null, null, ${username}, ${username.toLowerCase()}, null, 1, 0, ${verified}, '[]', ${T + seq}, ${T + seq})`.execute(db);
      await user('u-1', 'admin', 1, 1);
      await user('u-2', '\u0430dmin', 0, 2);
      for (const [id, userId] of [['l-1', 'u-1'], ['l-2', 'u-2']]) {
        await sql`insert into oauth_accounts (id, user_id, provider, account_id, account_email, access_token_enc, refresh_token_enc, expires_at, created_at, updated_at)
          values (${id}, ${userId}, 'p', ${id}, null, 'x', null, null, ${T}, ${T})`.execute(db);
      }
      await migrateToLatest(db);
      const rows = await db.selectFrom('users').select(['id', 'username_skeleton']).orderBy('id').execute();
      expect(rows).toEqual([{ id: 'u-1', username_skeleton: 'adrnin' }, { id: 'u-2', username_skeleton: null }]);
      const repos = createRepos(db);
      expect((await repos.oauthAccounts.listForUser('u-1'))[0]!.emailVerified).toBe(true);
      expect((await repos.oauthAccounts.listForUser('u-2'))[0]!.emailVerified).toBe(false);
    } finally {
      await db.destroy();
    }
  });

  it('0003 numbers existing users 1, 2, 3 in creation order; new users get the next number, never a used one', async () => {
    const db = await openMigratedTo(fresh(), '0002-oauth-accounts');
    try {
      // Rows as 0002 knew them, created out of alphabetical and clock order: insertion (seq) decides.
      const ids = ['c', 'a', 'b'].map((n) => `${n}${randomUUID().slice(1)}`);
      await insertUsersBefore0003(db, ids, T);
      await migrateToLatest(db);
      const repos = createRepos(db);
      expect(await Promise.all(ids.map(async (id) => (await repos.users.findById(id))?.accountNumber))).toEqual([1, 2, 3]);
      expect(await repos.users.findById(ids[0]!)).toMatchObject({ firstName: null, lastName: null, roles: [], roleScopes: [] });

      const user = (n: string) => ({ id: randomUUID(), email: `${n}@new.bt`, username: null, passwordHash: null, isActive: true, isSuperuser: false, isVerified: false, scopes: [], createdAt: T, updatedAt: T });
      const fourth = await repos.users.insert(user('four'));
      expect(fourth.accountNumber).toBe(4);
      await repos.users.delete(fourth.id);
      expect((await repos.users.insert(user('five'))).accountNumber).toBe(5);
      // An import keeps its numbers; the counter moves past them.
      expect((await repos.users.insert({ ...user('imported'), accountNumber: 40 })).accountNumber).toBe(40);
      expect((await repos.users.insert(user('after'))).accountNumber).toBe(41);
      expect((await repos.roles.listScopes()).map((s) => [s.id, s.value])).toEqual([[1, 'admin'], [2, 'me']]);
    } finally {
      await db.destroy();
    }
  });

  it.runIf(dialect === 'postgres')('migrate a schema even when another schema of the database is already migrated', async () => {
    const first = fresh();
    const second = fresh();
    const a = await open(first);
    const b = await open(second);
    try {
      await migrateToLatest(a);
      await migrateToLatest(b);
      expect(await createRepos(b).users.count()).toBe(0);
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });
});
