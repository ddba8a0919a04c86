import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema } from '../../src/config/schema.js';

type Setting = TSchema & { env: string; secret: boolean };
const SETTINGS = Object.values(ConfigSchema.properties) as Setting[];
const DOC = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

/** The table row of docs/configuration.md for a variable: [default, meaning]. */
function row(env: string): [string, string] | undefined {
  const line = DOC.split('\n').find((l) => l.startsWith(`| \`${env}\` |`));
  if (!line) return undefined;
  const cells = line.split(' | ').map((c) => c.trim());
  return [cells[1]!.replace(/`/g, ''), cells.slice(2).join(' | ')];
}

const shownDefault = (s: Setting): string =>
  s.default === undefined ? '–' : Array.isArray(s.default) ? (s.default.length ? s.default.join(',') : '(empty)') : String(s.default);

/** docs/configuration.md cannot drift from src/config/schema.ts. */
describe('docs/configuration.md', () => {
  it.each(SETTINGS.map((s) => [s.env, s] as const))('documents %s with its default', (env, s) => {
    const r = row(env);
    expect(r, `${env} has no row in docs/configuration.md`).toBeDefined();
    expect(r![0]).toBe(shownDefault(s));
    expect(r![1].length).toBeGreaterThan(10);
    if (s.secret) expect(r![1]).toContain('*Secret');
  });

  it('documents no variable the schema does not have (besides provider and test variables)', () => {
    const documented = [...DOC.matchAll(/^\| `(TESSERA_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.filter((e) => !SETTINGS.some((s) => s.env === e))).toEqual([]);
  });
});
