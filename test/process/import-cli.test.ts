import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, sourceDb, type SourceDb } from '../support/import-sources.js';
import { CLI, run, tempDir } from '../support/process.js';

const NO_SECRETS = /\$2[aby]\$|\$argon2|\$1\$|gho_|ghr_/;

/** `tessera import` and `tessera export` as real processes (the built CLI) on SQLite. */
describe('tessera import / export CLI', () => {
  const tmp = tempDir();
  let src: SourceDb;
  const db = (name: string) => ({ TESSERA_DATABASE_URL: `sqlite:${join(tmp.dir, name)}` });
  beforeAll(async () => { src = await sourceDb('sqlite', 'fastapi-users'); });
  afterAll(async () => {
    await src.drop();
    tmp.remove();
  });

  const cli = async (env: Record<string, string>, ...args: string[]) => {
    const p = run(CLI, args, env, tmp.dir);
    const code = await p.exited;
    const res = { code, stdout: p.stdout(), stderr: p.stderr() };
    expect(res.stdout + res.stderr).not.toMatch(NO_SECRETS);
    return res;
  };

  it('import --help and export --help explain the commands', async () => {
    const help = await cli(db('a.db'), 'import', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: tessera import <format> <source>');
    expect(help.stdout).toMatch(/fastapi-users[\s\S]*ipseity[\s\S]*jsonl[\s\S]*--dry-run[\s\S]*--update/);
    expect((await cli(db('a.db'), 'export', '--help')).stdout).toContain('usage: tessera export <file>');
  });

  it('a dry run prints the summary and writes nothing; the real run writes; a re-run skips (exit 3: some users not written)', async () => {
    const source = `sqlite:///${src.source}`;
    const dry = await cli(db('a.db'), 'import', 'fastapi-users', source, '--dry-run');
    expect(dry.code).toBe(3);
    expect(dry.stdout).toMatch(/^dry run \(nothing written\): would have imported 4, updated 0, skipped 0, conflicts 0, unknown hash formats 1, refused 1\n/);
    expect(dry.stderr).toBe('');

    const real = await cli(db('a.db'), 'import', 'fastapi-users', source);
    expect(real.code).toBe(3);
    expect(real.stdout).toMatch(/^imported 4, updated 0, skipped 0, conflicts 0, unknown hash formats 1, refused 1\n/);
    expect(real.stdout).toContain('refused: 8f0e1c5a-52d4-4f8e-9a59-3c1f0f6b7a05: bcrypt cost 31 is outside 4..14');

    const again = await cli(db('a.db'), 'import', 'fastapi-users', src.source);
    expect(again.stdout).toMatch(/^imported 0, updated 0, skipped 4,/);
  });

  it('an ipseity export imports with exit 0', async () => {
    const res = await cli(db('a.db'), 'import', 'ipseity', fixture('ipseity-authentication-array.json'));
    expect(res).toMatchObject({ code: 0, stdout: 'imported 3, updated 0, skipped 0, conflicts 0, unknown hash formats 0, refused 0\n' });
  });

  it('export writes an owner-only JSON lines file that import jsonl reads into another database', async () => {
    const file = join(tmp.dir, 'users.jsonl');
    const res = await cli(db('a.db'), 'export', file);
    expect(res).toMatchObject({ code: 0, stdout: `exported 7 users to ${file}\n` });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(7);
    const back = await cli(db('b.db'), 'import', 'jsonl', file);
    expect(back).toMatchObject({ code: 0, stdout: 'imported 7, updated 0, skipped 0, conflicts 0, unknown hash formats 0, refused 0\n' });
  });

  it('bad command lines exit 2 with the usage; an unreadable source exits 1 naming it', async () => {
    const unknown = await cli(db('a.db'), 'import', 'ldap', 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown import format: ldap');
    expect((await cli(db('a.db'), 'import', 'jsonl')).code).toBe(2);
    const missing = await cli(db('a.db'), 'import', 'fastapi-users', join(tmp.dir, 'nope.db'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no SQLite database at');
  });
});
