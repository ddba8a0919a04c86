import { describe, expect, it } from 'vitest';
import { loadCommonPasswords } from '../../src/core/common-passwords.js';

describe('the common-password list', () => {
  it('holds whole entries of at least the minimum length, lower-cased', async () => {
    const common = await loadCommonPasswords(8);
    for (const p of ['password', 'iloveyou', 'qwertyuiop', '123456789', 'baseball']) expect(common.has(p), p).toBe(true);
    // Shorter than the length rule: never reaches the list, so not kept.
    expect(common.has('123456')).toBe(false);
    // A part or an extension of an entry is not an entry.
    expect(common.has('asswor')).toBe(false);
    expect(common.has('password-and-more')).toBe(false);
    expect(common.has('')).toBe(false);
  });

  it('never matches across entries: a password holding a newline is not common', async () => {
    const common = await loadCommonPasswords(8);
    // Two entries joined by the list's own separator: neighbours in the list, and not.
    expect(common.has('password\n12345678')).toBe(false);
    expect(common.has('password\niloveyou')).toBe(false);
    expect(common.has('password\n')).toBe(false);
    expect(common.has('\npassword')).toBe(false);
  });
});
