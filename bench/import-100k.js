// `node bench/import-100k.js [count]` (after `npm run build`): writes a FastAPI Users SQLite database
// and an ipseity mongoexport (JSON lines) of `count` users (default 100 000), then imports each into
// a fresh Tessera SQLite database with the built CLI under `/usr/bin/time -v`, and prints the
// wall time and maximum RSS of each run (docs/benchmarks.md, "Import").
//
// Every user has a real bcrypt hash's shape (one hash shared by all: import never verifies hashes,
// so computing 100 000 of them would only measure bcrypt). Everything lives in a temp directory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';

const ROOT = new URL('..', import.meta.url).pathname;
const COUNT = Number(process.argv[2] ?? 100_000);
const HASH = '$2b$12$ymC2F3Nx6uK.N/V5C2SGVeOBGkNsMHdGfT6oSSeQphZRCq7cyURJ2';
const dir = mkdtempSync(join(tmpdir(), 'tessera-import-bench-'));
const uuid = (i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

try {
  // FastAPI Users: the real DDL (the fixture SQLAlchemy wrote), then COUNT rows in one transaction.
  const fastapi = join(dir, 'fastapi-users.db');
  const ddl = readFileSync(join(ROOT, 'test/import/fixtures/fastapi-users.sqlite.sql'), 'utf8')
    .split('\n').filter((l) => !l.startsWith('INSERT')).join('\n');
  const src = new Sqlite(fastapi);
  src.pragma('foreign_keys = OFF');
  src.exec(ddl);
  const insert = src.prepare('INSERT INTO "user" VALUES (?, ?, ?, 1, 0, 1)');
  src.transaction(() => { for (let i = 0; i < COUNT; i++) insert.run(uuid(i), `user${i}@bench.example`, HASH); })();
  src.close();

  // ipseity: mongoexport JSON lines, the hash as extended-JSON binary.
  const ipseity = join(dir, 'authentication.jsonl');
  const b64 = Buffer.from(HASH).toString('base64');
  const lines = [];
  for (let i = 0; i < COUNT; i++) {
    lines.push(JSON.stringify({ _id: { $oid: (0x5c000000 + i).toString(16).padStart(24, '0') }, user: `user${i}`, uid: uuid(i).replace(/-/g, ''),
      password: { $binary: { base64: b64, subType: '00' } }, disallowed_tokens: [], active: true }));
  }
  writeFileSync(ipseity, `${lines.join('\n')}\n`);

  for (const [format, source] of [['fastapi-users', fastapi], ['ipseity', ipseity]]) {
    const target = `sqlite:${join(dir, `tessera-${format}.db`)}`;
    const res = spawnSync('/usr/bin/time', ['-v', process.execPath, join(ROOT, 'dist/cli/main.js'), 'import', format, source], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, TESSERA_DATABASE_URL: target },
    });
    const wall = /Elapsed \(wall clock\) time.*: (.+)/.exec(res.stderr)?.[1];
    const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(res.stderr)?.[1]) / 1024;
    console.log(`${format}: ${COUNT} users, exit ${res.status}, wall ${wall}, max RSS ${rss.toFixed(0)} MiB — ${res.stdout.split('\n')[0]}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
