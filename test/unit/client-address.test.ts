import { describe, expect, it } from 'vitest';
import { clientKey } from '../../src/http/client-address.js';

describe('clientKey', () => {
  it('keeps IPv4 addresses, and IPv4-mapped IPv6 as IPv4', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::FFFF:203.0.113.7')).toBe('203.0.113.7');
  });

  it('groups IPv6 by /64 whatever the spelling', () => {
    const k = clientKey('2001:db8:1:2::1');
    for (const ip of ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:DB8:1:2:0:0:0:9', '[2001:db8:1:2::3]', 'fe80::1%eth0'.replace('fe80::1', '2001:db8:1:2::1')]) {
      expect(clientKey(ip), ip).toBe(k);
    }
    expect(clientKey('2001:db8:1:3::1')).not.toBe(k);
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('2001:db8::1.2.3.4')).toBe('2001:db8:0:0::/64');
  });
});
