import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, freePort, isRunning, runCommand, serverPid, tempDir, waitFor, type Proc } from '../support/process.js';

/**
 * No container runtime runs where the suite runs, so this replays the
 * Dockerfile on the host: its build stage (COPY from the context, each RUN)
 * in a temp directory holding only what it copies, then its runtime stage
 * (COPY --from=build, ENV, CMD, HEALTHCHECK). Two substitutions, both about
 * the network-less test host rather than the image: `npm ci` is replaced by a
 * copy of the installed node_modules (same lockfile, native module already
 * compiled), and apt-get (compilers) is skipped.
 */
interface Instruction { op: string; args: string }
function parseDockerfile(text: string): Instruction[][] {
  const stages: Instruction[][] = [];
  const logical = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const line of logical) {
    const [, op, args] = /^(\S+)\s+(.*)$/.exec(line)!;
    if (op!.toUpperCase() === 'FROM') stages.push([]);
    stages.at(-1)!.push({ op: op!.toUpperCase(), args: args!.trim() });
  }
  return stages;
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const [buildStage, runtimeStage] = parseDockerfile(dockerfile) as [Instruction[], Instruction[]];
const sh = (cmd: string, cwd: string) => {
  const r = spawnSync('sh', ['-c', cmd], { cwd, encoding: 'utf8', env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_'))) });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
};

// The image runs Node 20 (its FROM lines): replayed on Node 20 only, which also keeps CI's Node 22 run shorter.
const imageNode = /^FROM node:(\d+)/m.exec(dockerfile)![1];
describe.runIf(process.versions.node.split('.')[0] === imageNode)('the Dockerfile, replayed on the host', () => {
  const tmp = tempDir();
  const build = join(tmp.dir, 'build');
  const runtime = join(tmp.dir, 'runtime');
  let env: Record<string, string>;
  let port: number;
  // Two copies of node_modules take a while to delete on a busy machine.
  afterAll(() => tmp.remove(), 120_000);

  beforeAll(() => {
    mkdirSync(build);
    const steps: string[] = [];
    for (const { op, args } of buildStage) {
      if (op === 'COPY') {
        const parts = args.split(/\s+/);
        const dest = parts.pop()!;
        for (const src of parts) cpSync(join(ROOT, src), join(build, dest.endsWith('/') ? src : dest), { recursive: true });
      } else if (op === 'RUN') {
        steps.push(args);
        if (args.startsWith('apt-get')) continue;
        if (args.startsWith('npm ci')) cpSync(join(ROOT, 'node_modules') + '/', join(build, 'node_modules'), { recursive: true, verbatimSymlinks: true });
        else sh(args, build);
      }
    }
    expect(steps.map((s) => s.split(' ').slice(0, 3).join(' '))).toEqual(['apt-get update &&', 'npm ci --no-audit', 'npm run build', 'npm prune --omit=dev']);

    mkdirSync(runtime);
    env = {};
    for (const { op, args } of runtimeStage) {
      if (op === 'COPY') {
        const [, ...parts] = args.split(/\s+/);
        const dest = parts.pop()!;
        // Moved rather than copied: the build directory is not used again.
        for (const src of parts.map((p) => p.replace(/^\/app\//, ''))) renameSync(join(build, src), join(runtime, dest.endsWith('/') ? src : dest));
      } else if (op === 'ENV') {
        for (const m of args.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
      }
    }
  }, 300_000);

  it('the runtime image holds dist/ and production dependencies only: no compiler, no test runner', () => {
    expect(existsSync(join(runtime, 'dist/server.js'))).toBe(true);
    expect(existsSync(join(runtime, 'node_modules/fastify'))).toBe(true);
    expect(existsSync(join(runtime, 'node_modules/better-sqlite3'))).toBe(true);
    for (const dev of ['typescript', 'vitest', 'esbuild']) expect(existsSync(join(runtime, 'node_modules', dev))).toBe(false);
    expect(existsSync(join(runtime, 'src'))).toBe(false);
    expect(runtimeStage.some((i) => i.op === 'USER' && i.args === 'node')).toBe(true);
    expect(runtimeStage.some((i) => i.op === 'VOLUME' && i.args.includes('/data'))).toBe(true);
  });

  describe('started as the image starts it', () => {
    let server: Proc;
    beforeAll(async () => {
      port = await freePort();
      const data = join(tmp.dir, 'data');
      mkdirSync(data);
      // The image's settings, with the volume and port moved to where this host can have them.
      // NODE_ENV=production refuses to start without somewhere for mail to go: an operator passes
      // TESSERA_SMTP_URL (docs/deployment.md); here, an outbox, as `docker run -e` would.
      Object.assign(env, {
        TESSERA_DATABASE_URL: env.TESSERA_DATABASE_URL!.replace('/data', data), TESSERA_PORT: String(port), TESSERA_HOST: '127.0.0.1',
        TESSERA_MAIL_OUTBOX: join(tmp.dir, 'outbox'),
      });
      const [cmd, ...args] = JSON.parse(runtimeStage.find((i) => i.op === 'CMD')!.args) as string[];
      expect(cmd).toBe('node');
      server = runCommand(process.execPath, args, env, runtime);
      await waitFor(`http://127.0.0.1:${port}/healthz`, server, 60_000);
    }, 90_000);
    afterAll(() => { if (server.child.exitCode === null) server.child.kill('SIGKILL'); });

    it('its HEALTHCHECK passes', () => {
      const check = runtimeStage.find((i) => i.op === 'HEALTHCHECK')!.args.replace(/^.*?CMD\s+/, '');
      const r = spawnSync('sh', ['-c', check], { env: { ...process.env, TESSERA_PORT: String(port) } });
      expect(r.status).toBe(0);
    });

    it('serves the API from the SQLite file on the volume', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'dagonet@camelot.bt', password: 'correct horse battery' }) });
      expect(res.status).toBe(201);
      expect(existsSync(join(tmp.dir, 'data', 'tessera.db'))).toBe(true);
    });

    it('exits 0 on SIGTERM (node is PID 1, no npm or shell in between)', async () => {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    });
  });

  it('the same production tree starts with `npm run start:prod` (no tsc there), and stops on SIGTERM to npm', async () => {
    const npmPort = await freePort();
    const npm = runCommand('npm', ['run', 'start:prod'], { ...env, TESSERA_PORT: String(npmPort) }, runtime);
    await waitFor(`http://127.0.0.1:${npmPort}/readyz`, npm, 60_000);
    const pid = await serverPid(npm);
    npm.child.kill('SIGTERM');
    await npm.exited;
    for (let i = 0; i < 50 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(isRunning(pid)).toBe(false);
  }, 90_000);

  it('runs with the same node flags as npm run start:prod and the systemd unit', () => {
    const flags = (cmd: string) => cmd.split(/\s+/).filter((a) => a.startsWith('--')).join(' ');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const cmd = (JSON.parse(runtimeStage.find((i) => i.op === 'CMD')!.args) as string[]).join(' ');
    const unit = /^ExecStart=(.*)$/m.exec(readFileSync(join(ROOT, 'deploy/tessera.service'), 'utf8'))![1]!;
    expect(flags(cmd)).toBe(flags(pkg.scripts['start:prod']!));
    expect(flags(unit)).toBe(flags(pkg.scripts['start:prod']!));
    expect(flags(cmd)).toContain('--max-old-space-size=256');
  });
});
