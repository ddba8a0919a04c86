import { readFile } from 'node:fs/promises';

/**
 * The list as the build wrote it beside the server (scripts/bundle.mjs: dist/ and dist/core/). Read
 * as text because importing the package keeps every one of its dictionaries (~2.5 MB of heap) for
 * the life of the process, where only this list is used (docs/benchmarks.md, round 8).
 */
const BUILT_LIST = new URL('./common-passwords.txt', import.meta.url);

async function commonList(): Promise<string[]> {
  try {
    return (await readFile(BUILT_LIST, 'utf8')).split('\n');
  } catch {
    // Run from sources (tests): no build beside it, so the package itself.
    return (await import('@zxcvbn-ts/language-common')).dictionary['passwords-common'];
  }
}

/**
 * The common-password list of zxcvbn-ts (@zxcvbn-ts/language-common: ~49k
 * passwords seen most in breaches, maintained upstream), lower-cased and
 * kept only where a password of that length could pass the length rule.
 */
export async function loadCommonPasswords(minLength: number): Promise<ReadonlySet<string>> {
  const list = await commonList();
  return new Set(list.filter((p) => [...p].length >= minLength).map((p) => p.normalize('NFC').toLowerCase()));
}
