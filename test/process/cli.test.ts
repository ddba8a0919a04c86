import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, MAIN, freePort, run, tempDir, waitFor } from '../support/process.js';

/** The compiled command line (`node dist/cli/main.js`, the `tessera` bin) as a real process on SQLite. */
describe('tessera CLI', () => {
  const tmp = tempDir();
  let env: Record<string, string>;
  beforeAll(() => {
    env = { TESSERA_DATABASE_URL: `sqlite:${join(tmp.dir, 'cli.db')}`, TESSERA_MAIL_OUTBOX: join(tmp.dir, 'outbox') };
  });
  afterAll(() => tmp.remove());

  const cli = async (...args: string[]) => {
    const p = run(CLI, args, env, tmp.dir);
    return { code: await p.exited, stdout: p.stdout(), stderr: p.stderr() };
  };

  it('users create --superuser makes a superuser the server then accepts for the admin API', async () => {
    const res = await cli('users', 'create', '--email', 'Merlin@Camelot.bt', '--password', 'the wizard of camelot', '--superuser');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^created user [0-9a-f-]{36} \(superuser\)\n$/);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = run(MAIN, [], { ...env, TESSERA_PORT: String(port), TESSERA_LOG_LEVEL: 'warn' }, tmp.dir);
    try {
      await waitFor(`${base}/healthz`, server);
      const login = await fetch(`${base}/auth/jwt/login`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'merlin@camelot.bt', password: 'the wizard of camelot' }).toString(),
      });
      expect(login.status).toBe(200);
      const { access_token } = (await login.json()) as { access_token: string };
      const users = await fetch(`${base}/users`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(users.status).toBe(200);
      expect(await users.json()).toEqual([expect.objectContaining({ email: 'Merlin@Camelot.bt', is_superuser: true, is_verified: true })]);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });

  it('users create without --superuser makes an ordinary user', async () => {
    const res = await cli('users', 'create', '--email', 'kay@camelot.bt', '--password', 'seneschal of camelot', '--username', 'kay');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^created user [0-9a-f-]{36}\n$/);
  });

  it('refuses an existing email, a weak password and missing arguments with a non-zero exit', async () => {
    const dup = await cli('users', 'create', '--email', 'MERLIN@camelot.bt', '--password', 'another long password');
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toMatch(/already/);
    const weak = await cli('users', 'create', '--email', 'weak@camelot.bt', '--password', 'short');
    expect(weak.code).not.toBe(0);
    expect(weak.stderr).toContain('at least 8 characters');
    expect(weak.stderr).not.toContain('short\n');
    const missing = await cli('users', 'create', '--email', 'x@camelot.bt');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('usage: tessera');
  });

  it('a bad setting stops the CLI too, naming the variable', async () => {
    const p = run(CLI, ['migrate'], { TESSERA_DATABASE_URL: 'mysql://nope' }, tmp.dir);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain('TESSERA_DATABASE_URL');
  });

  it('a database it cannot open stops `migrate` naming the variable', async () => {
    writeFileSync(join(tmp.dir, 'a-file.db'), ''); // a file where the path needs a directory
    const p = run(CLI, ['migrate'], { TESSERA_DATABASE_URL: `sqlite:${join(tmp.dir, 'a-file.db')}/under-a-file.db` }, tmp.dir);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(/^tessera: TESSERA_DATABASE_URL: cannot use the database: /);
  });
});
