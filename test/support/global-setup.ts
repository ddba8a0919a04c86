import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Suites that run the compiled server and CLI (`node dist/…`) as real processes. */
const BUILT_DIR = join(ROOT, 'test/process');

/**
 * Builds dist/ once per run, exactly as `npm start` does, so the
 * process-level suites start what users start. Skipped when the run is
 * filtered to files that do not need it, to keep targeted runs fast.
 */
export default function setup(project: TestProject): void {
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern ?? [];
  const built = readdirSync(BUILT_DIR).filter((f) => f.endsWith('.test.ts')).map((f) => join(BUILT_DIR, f));
  const needed = filters.length === 0 || filters.some((f) => built.some((file) => file.includes(f) || file.includes(resolve(ROOT, f))));
  if (!needed) return;
  // The steps of `npm run build`: tsc emits dist/ (the command line), then the server bundle.
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  for (const step of [[tsc, '-p', 'tsconfig.build.json'], ['scripts/bundle.mjs']]) {
    const res = spawnSync(process.execPath, step, { cwd: ROOT, encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`build failed (${step.join(' ')}):\n${res.stdout}${res.stderr}`);
  }
}
