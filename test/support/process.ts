import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** What `npm start` runs: the bundled server. */
export const MAIN = join(ROOT, 'dist/server.js');
export const CLI = join(ROOT, 'dist/cli/main.js');

export interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs a compiled entry point with only the given TESSERA_* settings (none
 * inherited from the test's own environment), from `cwd` so no stray .env
 * or ./data is picked up.
 */
export function run(entry: string, args: string[], env: Record<string, string>, cwd: string): Proc {
  return runCommand(process.execPath, [entry, ...args], env, cwd);
}

/** Any command (npm, a node with flags) run the way `run` runs an entry point. */
export function runCommand(command: string, args: string[], env: Record<string, string>, cwd: string): Proc {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_') && !k.startsWith('npm_')));
  const child = spawn(command, args, { cwd, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

/** Polls `url` until it answers 200, or fails with what the process printed. */
export async function waitFor(url: string, p: Proc, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void p.exited.then((c) => { exitCode = c; });
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`server exited (${exitCode}) before answering:\n${p.stderr()}${p.stdout()}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no answer from ${url}:\n${p.stderr()}${p.stdout()}`);
}

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-proc-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** True while a process with this pid exists (signal 0 only checks). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The pid the server logged: pino writes `pid` on every line, so the first
 * will do. Waits for it: /healthz can answer before the pipe delivers it.
 */
export async function serverPid(p: Proc, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = p.stdout().split('\n').find((l) => l.startsWith('{"level"'));
    if (line) return (JSON.parse(line) as { pid: number }).pid;
    if (Date.now() > deadline) throw new Error(`no log line from the server:\n${p.stdout()}${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
