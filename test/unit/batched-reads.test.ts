import { describe, expect, it } from 'vitest';
import { batchedReads } from '../../src/store/repos/batched-reads.js';

/** A loader over a mutable table that records the keys of every call. */
function tableLoader(table: Map<string, number>) {
  const calls: string[][] = [];
  const load = async (keys: string[]) => {
    calls.push(keys);
    return new Map(keys.flatMap((k) => (table.has(k) ? [[k, table.get(k)!] as const] : [])));
  };
  return { load, calls };
}

describe('batchedReads', () => {
  it('reads asked in one turn share one load of the distinct keys; each gets its own row, a missing key undefined', async () => {
    const { load, calls } = tableLoader(new Map([['a', 1], ['b', 2]]));
    const read = batchedReads(load);
    expect(await Promise.all([read('a'), read('b'), read('a'), read('zz')])).toEqual([1, 2, 1, undefined]);
    expect(calls).toEqual([['a', 'b', 'zz']]);
  });

  it('reads of later turns load again and see the table as it is then', async () => {
    const table = new Map([['a', 1]]);
    const { load, calls } = tableLoader(table);
    const read = batchedReads(load);
    expect(await read('a')).toBe(1);
    table.set('a', 5);
    expect(await read('a')).toBe(5);
    expect(calls).toEqual([['a'], ['a']]);
  });

  it('a read asked while a batch is loading waits for a batch of its own', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const calls: string[][] = [];
    const read = batchedReads(async (keys) => {
      calls.push(keys);
      if (calls.length === 1) await gate;
      return new Map(keys.map((k) => [k, calls.length] as const));
    });
    const first = read('a');
    await new Promise((r) => setImmediate(r)); // the first batch is now loading
    const second = read('a');
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([['a'], ['a']]);
    release();
    expect(await Promise.all([first, second])).toEqual([2, 2]);
  });

  it('a failed load rejects every read of its batch, and the next batch reads again', async () => {
    let fail = true;
    const read = batchedReads(async (keys) => {
      if (fail) throw new Error('database unavailable');
      return new Map(keys.map((k) => [k, 7] as const));
    });
    const results = await Promise.allSettled([read('a'), read('b'), read('a')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    fail = false;
    expect(await read('a')).toBe(7);
  });
});
