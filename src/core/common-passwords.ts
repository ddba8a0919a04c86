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

/** Membership in the list (a `ReadonlySet<string>` satisfies it too). */
export interface CommonPasswords {
  has(lowerCased: string): boolean;
}

/**
 * The common-password list of zxcvbn-ts (@zxcvbn-ts/language-common: ~49k
 * passwords seen most in breaches, maintained upstream), lower-cased and
 * kept only where a password of that length could pass the length rule.
 * Held as one newline-delimited string and searched, not as a Set: ~0.2 MB
 * of heap for the life of the process instead of ~1.4 MB, for a search of
 * about 50 µs per registration or password change, next to a hash of tens of
 * milliseconds (docs/benchmarks.md, round 9).
 */
export async function loadCommonPasswords(minLength: number): Promise<CommonPasswords> {
  const list = (await commonList()).filter((p) => [...p].length >= minLength).map((p) => p.normalize('NFC').toLowerCase());
  const joined = `\n${list.join('\n')}\n`;
  // A newline never occurs in the list, so a password holding one is not in it (and must not match two neighbours).
  return { has: (lowerCased) => !lowerCased.includes('\n') && joined.includes(`\n${lowerCased}\n`) };
}
