import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SigningKeyRecord } from '../../src/store/repos/index.js';
import { DIALECTS } from '../support/harness.js';
import { openStore, type TestStore } from '../support/store.js';

const key = (kid: string, createdAt: number, retiredAt: number | null = null): SigningKeyRecord => ({
  kid, alg: 'EdDSA', privateJwk: `{"kid":"${kid}","d":"secret"}`, publicJwk: `{"kid":"${kid}"}`, createdAt, retiredAt,
});

describe.each(DIALECTS)('signing keys repo contract (%s)', (dialect) => {
  let st: TestStore;
  beforeAll(async () => { st = await openStore(dialect); });
  afterAll(async () => { await st.close(); });

  it('lists live keys and keys retired after the cut-off, newest first', async () => {
    await st.repos.signingKeys.insert(key('k-old', 100, 200));
    await st.repos.signingKeys.insert(key('k-prev', 300, 1000));
    await st.repos.signingKeys.insert(key('k-live', 500));
    expect(await st.repos.signingKeys.listUsable(500)).toEqual([key('k-live', 500), key('k-prev', 300, 1000)]);
    expect((await st.repos.signingKeys.listUsable(1000)).map((k) => k.kid)).toEqual(['k-live']);
    expect((await st.repos.signingKeys.listUsable(0)).map((k) => k.kid)).toEqual(['k-live', 'k-prev', 'k-old']);
  });

  it('retireAllBut retires every other live key, leaving already-retired ones as they were', async () => {
    await st.repos.signingKeys.insert(key('k-new', 900));
    await st.repos.signingKeys.retireAllBut('k-new', 2000);
    const all = await st.repos.signingKeys.listUsable(0);
    expect(all.find((k) => k.kid === 'k-new')?.retiredAt).toBeNull();
    expect(all.find((k) => k.kid === 'k-live')?.retiredAt).toBe(2000);
    expect(all.find((k) => k.kid === 'k-prev')?.retiredAt).toBe(1000);
  });

  it('a kid is unique', async () => {
    await expect(st.repos.signingKeys.insert(key('k-new', 901))).rejects.toThrow();
  });
});
