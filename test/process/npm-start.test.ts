import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, freePort, isRunning, runCommand, serverPid, tempDir, waitFor } from '../support/process.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/**
 * `kill -TERM <npm pid>` must stop the server, not orphan it: npm hands the
 * signal to its direct child only, so both start scripts `exec` node (no
 * shell left between npm and the server).
 */
describe.each([
  // --ignore-scripts skips prestart (the build): dist/ is already built for this run, and must not be rewritten under other suites.
  ['npm start', ['start', '--ignore-scripts']],
  ['npm run start:prod', ['run', 'start:prod']],
])('SIGTERM to %s', (_name, npmArgs) => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('drains the server and leaves no process running', async () => {
    const port = await freePort();
    const env = { TESSERA_DATABASE_URL: `sqlite:${join(tmp.dir, 'tessera.db')}`, TESSERA_PORT: String(port), TESSERA_MAIL_OUTBOX: join(tmp.dir, 'outbox') };
    const npm = runCommand('npm', npmArgs, env, ROOT);
    await waitFor(`http://127.0.0.1:${port}/healthz`, npm, 60_000);
    const pid = await serverPid(npm);
    expect(pid).not.toBe(npm.child.pid);
    npm.child.kill('SIGTERM');
    await npm.exited;
    for (let i = 0; i < 50 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(isRunning(pid)).toBe(false);
    expect(npm.stdout()).toContain('"signal":"SIGTERM","msg":"draining"');
  }, 90_000);
});

describe('the start scripts', () => {
  it('start builds first (prestart); both run the built server with the same flags', () => {
    expect(pkg.scripts.prestart).toMatch(/npm run .*build/);
    expect(pkg.scripts['prestart:prod']).toBeUndefined();
    expect(pkg.scripts.start).toBe(pkg.scripts['start:prod']);
    expect(pkg.scripts['start:prod']).toMatch(/^exec node .*dist\/server\.js$/);
  });
});
