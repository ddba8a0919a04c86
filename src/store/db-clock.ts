import { sql } from 'kysely';
import { dialectOf, type Db } from './create-db.js';

/**
 * How far the database's clock is ahead of `now` (milliseconds; negative when behind), measured
 * against the middle of the round trip. undefined on SQLite, which has no clock of its own (it
 * reads the clock of whichever process runs the query).
 */
export async function databaseClockOffset(db: Db, now: () => number): Promise<number | undefined> {
  if (dialectOf(db) !== 'postgres') return undefined;
  const sent = now();
  const { rows } = await sql<{ ms: number | string }>`select extract(epoch from clock_timestamp()) * 1000 as ms`.execute(db);
  const received = now();
  return Number(rows[0]?.ms) - (sent + received) / 2;
}
