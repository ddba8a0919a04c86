import { describe, expect, it } from 'vitest';
import { createRevocationList, GAP_HOLD_MS } from '../../src/core/revocation-list.js';
import type { SessionsRepo } from '../../src/store/repos/sessions-repo.js';

/**
 * The cursor logic alone, over revocations listed in memory as the database would number them
 * (the numbering itself is tested against both databases in test/store/sessions-repo.test.ts).
 */
function numbered() {
  const rows: { id: string; seq: number }[] = [];
  const repo = {
    revokedAfter: async (seq: number, limit: number) => rows.filter((r) => r.seq > seq).sort((x, y) => x.seq - y.seq).slice(0, limit),
    lastRevocationSeq: async () => rows.reduce((m, r) => Math.max(m, r.seq), 0),
    revokedSince: async () => [],
  } as unknown as SessionsRepo;
  return { repo, commit: (id: string, seq: number) => rows.push({ id, seq }) };
}

describe('revocation list polling by database number', () => {
  it('learns revocations whatever their time, and one committed late under a lower number', async () => {
    let clock = 1_000_000;
    const db = numbered();
    const list = createRevocationList(db.repo, { windowMs: 60_000, pollMs: 3_600_000, now: () => clock });
    await list.start();
    db.commit('s1', 1);
    db.commit('s3', 3); // 2 was handed out first but commits later (PostgreSQL numbers before commit)
    await list.refresh();
    expect([list.isRevoked('s1'), list.isRevoked('s3')]).toEqual([true, true]);
    clock += GAP_HOLD_MS / 2;
    db.commit('s2', 2);
    db.commit('s4', 4);
    await list.refresh();
    expect([list.isRevoked('s2'), list.isRevoked('s4')]).toEqual([true, true]);
    await list.stop();
  });

  it('gives up on a missing number after the hold, and still waits for numbers missing since less', async () => {
    let clock = 1_000_000;
    const db = numbered();
    const list = createRevocationList(db.repo, { windowMs: 600_000, pollMs: 3_600_000, now: () => clock });
    await list.start();
    db.commit('a', 1);
    db.commit('c', 3); // 2 never commits (rolled back)
    await list.refresh();
    clock += GAP_HOLD_MS - 1;
    db.commit('e', 5); // 4 is in flight
    await list.refresh();
    clock += 2; // 2 has been missing for the whole hold, 4 for a moment only
    await list.refresh();
    db.commit('d', 4);
    await list.refresh();
    expect(list.isRevoked('d')).toBe(true);
    await list.stop();
  });

  it('forgets a revocation once the window has passed since it learned of it', async () => {
    let clock = 1_000_000;
    const db = numbered();
    const list = createRevocationList(db.repo, { windowMs: 60_000, pollMs: 3_600_000, now: () => clock });
    await list.start();
    list.add('mine');
    clock += 60_001;
    await list.refresh();
    expect(list.isRevoked('mine')).toBe(false);
    await list.stop();
  });
});
