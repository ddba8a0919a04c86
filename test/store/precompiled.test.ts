import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precompile } from '../../src/store/repos/precompiled.js';
import { StoreUnavailable } from '../../src/store/store-unavailable.js';
import { DIALECTS } from '../support/harness.js';
import { openStore, type TestStore } from '../support/store.js';

const T = 1_700_000_000_000;
// A table of its own, so the test depends on no repository's columns.
interface Probe { probe: { id: string; label: string; at: number } }
const asProbe = (db: TestStore['db']) => db as unknown as Kysely<Probe> & TestStore['db'];

/** Compiled-once queries run outside Kysely's connection handling: same answers, same transaction rules. */
describe.each(DIALECTS)('precompiled queries (%s)', (dialect) => {
  let st: TestStore;
  beforeAll(async () => {
    st = await openStore(dialect);
    await asProbe(st.db).schema.createTable('probe').addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('label', 'text', (c) => c.notNull()).addColumn('at', 'bigint', (c) => c.notNull()).execute();
  });
  afterAll(async () => { await st.close(); });

  const insertUser = (db: TestStore['db']) => precompile(db, 3, (id: string, email: string, at: number) =>
    asProbe(db).insertInto('probe').values({ id, label: email, at }));
  const emailOf = (db: TestStore['db']) => precompile(db, 1, (id: string) =>
    asProbe(db).selectFrom('probe').select('label as email').where('id', '=', id));
  const rename = (db: TestStore['db']) => precompile(db, 3, (id: string, email: string, was: string) =>
    asProbe(db).updateTable('probe').set({ label: email }).where('id', '=', id).where('label', '=', was));

  it('reads, inserts and updates with new values on every call, reporting affected rows', async () => {
    const [insert, read, update] = [insertUser(st.db), emailOf(st.db), rename(st.db)];
    const ids = [randomUUID(), randomUUID()];
    for (const [i, id] of ids.entries()) expect((await insert(id, `p${i}-${id}@camelot.bt`, T)).numAffectedRows).toBe(1n);
    expect((await read(ids[1]!)).rows).toEqual([{ email: `p1-${ids[1]}@camelot.bt` }]);
    expect((await read(randomUUID())).rows).toEqual([]);
    // A conditional update: the second, with a stale expectation, changes nothing.
    expect((await update(ids[0]!, `q-${ids[0]}@camelot.bt`, `p0-${ids[0]}@camelot.bt`)).numAffectedRows).toBe(1n);
    expect((await update(ids[0]!, `r-${ids[0]}@camelot.bt`, `p0-${ids[0]}@camelot.bt`)).numAffectedRows).toBe(0n);
    expect((await read(ids[0]!)).rows).toEqual([{ email: `q-${ids[0]}@camelot.bt` }]);
  });

  it('keeps constraint errors as they are (not "unavailable")', async () => {
    const insert = insertUser(st.db);
    const id = randomUUID();
    await insert(id, `${id}@camelot.bt`, T);
    const err = await insert(id, `${randomUUID()}@camelot.bt`, T).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(StoreUnavailable);
  });

  it('never writes into a transaction that is open at the time', async () => {
    const [insert, read] = [insertUser(st.db), emailOf(st.db)];
    const id = randomUUID();
    let outside: Promise<unknown> | undefined;
    await st.db.transaction().execute(async (trx) => {
      await asProbe(trx as TestStore['db']).selectFrom('probe').select('id').limit(1).execute();
      outside = insert(id, `${id}@camelot.bt`, T);
      await new Promise((r) => setTimeout(r, 20));
      // SQLite has one connection: the write queues behind the transaction instead of joining it.
      // (PostgreSQL runs it on another pooled connection, committed on its own.)
      if (dialect === 'sqlite') expect(await asProbe(trx as TestStore['db']).selectFrom('probe').select('id').where('id', '=', id).execute()).toEqual([]);
      throw new Error('roll back');
    }).catch((e: Error) => expect(e.message).toBe('roll back'));
    await outside;
    // Rolling the transaction back did not take the outside write with it.
    expect((await read(id)).rows).toEqual([{ email: `${id}@camelot.bt` }]);
  });

  it('refuses a query that inlines an argument instead of binding it', async () => {
    const bad = precompile(st.db, 1, (id: string) => asProbe(st.db).selectFrom('probe').select('id').where('id', '=', id).limit(Number(id.length)));
    await expect(async () => bad(randomUUID())).rejects.toThrow(/bound parameter/);
  });

  it('answers the same through another pool of the same database', async () => {
    const other = await st.open();
    const id = randomUUID();
    await insertUser(st.db)(id, `${id}@camelot.bt`, T);
    for (let i = 0; i < 3; i++) expect((await emailOf(other)(id)).rows).toEqual([{ email: `${id}@camelot.bt` }]);
  });
});
