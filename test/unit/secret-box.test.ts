import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeTokenKey } from '../../src/config/oauth-providers.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';

describe('secret box (AES-256-GCM)', () => {
  const key = randomBytes(32);

  it('round-trips, with a fresh IV each time', () => {
    const box = createSecretBox(key, 'oauth-tokens');
    const a = box.seal('gho_provider-token');
    expect(a).not.toBe(box.seal('gho_provider-token'));
    expect(a).not.toContain('gho_');
    expect(box.open(a)).toBe('gho_provider-token');
  });

  it('refuses tampering, truncation, another key and another purpose', () => {
    const box = createSecretBox(key, 'oauth-tokens');
    const sealed = box.seal('secret');
    const [v, kid, iv, body] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64url');
    flipped.writeUInt8(flipped.readUInt8(0) ^ 1, 0);
    expect(box.open([v, kid, iv, flipped.toString('base64url')].join('.'))).toBeUndefined();
    expect(box.open(sealed.slice(0, -3))).toBeUndefined();
    expect(box.open('garbage')).toBeUndefined();
    expect(createSecretBox(randomBytes(32), 'oauth-tokens').open(sealed)).toBeUndefined();
    expect(createSecretBox(key, 'oauth-flow').open(sealed)).toBeUndefined();
  });

  it('takes the configured key as hex or base64', () => {
    const raw = randomBytes(32);
    for (const text of [raw.toString('hex'), raw.toString('base64'), raw.toString('base64url')]) {
      expect(decodeTokenKey(text).equals(raw)).toBe(true);
    }
  });
});
