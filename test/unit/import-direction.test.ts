import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../../src/', import.meta.url).pathname;
const importsOf = (dir: string) => readdirSync(join(SRC, dir)).filter((f) => f.endsWith('.ts')).flatMap((f) =>
  [...readFileSync(join(SRC, dir, f), 'utf8').matchAll(/(?:from|import\()\s*'(\.\.?\/[^']+)'/g)].map((m) => `${dir}/${f} -> ${m[1]}`));

/** Core defines what it needs (e.g. IdentityProvider); the layers that implement or expose it depend on core, never the reverse. */
describe('import direction', () => {
  it('core imports nothing from the providers, the faces, the mail transports or the webhook sender', () => {
    expect(importsOf('core').filter((line) => /-> \.\.\/(oauth|http|mail|webhooks)\//.test(line))).toEqual([]);
  });

  it('the providers implement core\'s interface and import nothing from the faces', () => {
    expect(importsOf('oauth').filter((line) => /-> \.\.\/http\//.test(line))).toEqual([]);
    expect(importsOf('oauth').some((line) => line.includes('../core/identity-provider.js'))).toBe(true);
  });
});
