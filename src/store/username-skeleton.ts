import { createRequire } from 'node:module';

let confusables: Record<string, string> | undefined;

/** Unicode's confusables.txt mapping (one code point → its prototype), as the `unhomoglyph` package ships it; loaded on first use (~50 ms). */
function prototypes(): Record<string, string> {
  confusables ??= createRequire(import.meta.url)('unhomoglyph/data.json') as Record<string, string>;
  return confusables;
}

const skeleton = (s: string, map: Record<string, string>): string => {
  let out = '';
  for (const ch of s.normalize('NFD')) out += map[ch] ?? ch;
  return out.normalize('NFD');
};

/**
 * The key that makes lookalike usernames collide: the UTS #39 skeleton,
 * skeleton(X) = NFD(map(NFD(X))), where map replaces each code point by its
 * prototype in confusables.txt. Two names with the same skeleton look alike
 * (Cyrillic "а" and Latin "a", "rn" and "m", "1" and "l"), so a unique index on
 * it lets only one of them exist. Usernames are also compared without case,
 * so the skeleton is taken before lower-casing (capital "I" looks like "l")
 * and again after it ("M" lower-cases to "m", which looks like "rn").
 * A storage key, never shown.
 */
export function usernameSkeleton(username: string): string {
  const map = prototypes();
  return skeleton(skeleton(username.normalize('NFKC').trim(), map).toLowerCase(), map);
}
