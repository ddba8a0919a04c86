import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ExportRepo } from '../store/repos/export-repo.js';
import { toExported } from './export-format.js';

const PAGE = 1000;

/** Writes every user as one JSON line (export-format.ts) to `out`, a page at a time; resolves to the count. */
export async function runExport(repo: ExportRepo, out: Writable, onProgress?: (done: number) => void): Promise<number> {
  let after = 0;
  let done = 0;
  for (;;) {
    const page = await repo.page(after, PAGE);
    if (page.users.length === 0) return done;
    for (const u of page.users) {
      const line = JSON.stringify(toExported({
        ...u,
        oauthAccounts: (page.oauthAccounts.get(u.id) ?? []).map((a) => ({ ...a, accessToken: null, refreshToken: null, expiresAt: null })),
        ...(page.mfa.has(u.id) ? { mfa: page.mfa.get(u.id)! } : {}),
      }));
      // Respects back-pressure: a slow disk never makes the whole table sit in memory.
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    }
    done += page.users.length;
    after = page.users[page.users.length - 1]!.seq;
    onProgress?.(done);
  }
}
