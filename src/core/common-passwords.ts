/**
 * The common-password list of zxcvbn-ts (@zxcvbn-ts/language-common: ~49k
 * passwords seen most in breaches, maintained upstream), lower-cased and
 * kept only where a password of that length could pass the length rule.
 * Loaded once per process; the package is only imported when asked for.
 */
let cached: Promise<string[]> | undefined;

export async function loadCommonPasswords(minLength: number): Promise<ReadonlySet<string>> {
  cached ??= import('@zxcvbn-ts/language-common').then((m) => m.dictionary['passwords-common']);
  const list = await cached;
  return new Set(list.filter((p) => [...p].length >= minLength).map((p) => p.normalize('NFC').toLowerCase()));
}
