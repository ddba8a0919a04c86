import { describe, expect, it } from 'vitest';
import { isPrivateAddress, refuseUrl } from '../../src/webhooks/address-policy.js';

describe('webhook address policy', () => {
  it.each([
    '127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '0.0.0.0', '100.64.0.1',
    '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::127.0.0.1', '64:ff9b::a00:1', '::127.0.0.1', 'not-an-ip',
  ])('%s is private', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])('%s is public', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('refuses non-http URLs whatever the flag', async () => {
    for (const url of ['ftp://example.com/', 'mailto:a@b.c', 'nonsense', 'data:text/plain,hi']) {
      expect(await refuseUrl(url, true), url).toBe('invalid');
      expect(await refuseUrl(url, false), url).toBe('invalid');
    }
  });

  it('refuses private literals and names resolving to them, unless allowed', async () => {
    for (const url of ['http://127.0.0.1:8080/', 'http://[::1]/', 'https://localhost/', 'http://2130706433/', 'http://[::ffff:192.168.1.1]/']) {
      expect(await refuseUrl(url, false), url).toBe('private');
      expect(await refuseUrl(url, true), url).toBeUndefined();
    }
    expect(await refuseUrl('https://93.184.216.34/hook', false)).toBeUndefined();
    expect(await refuseUrl('https://no-such-host.invalid/', false)).toBe('unresolvable');
  });
});
