import { describe, expect, it } from 'vitest';
import { limitedAddress, normaliseIp, normaliseNetwork } from './client-ip.ts';

describe('one spelling per address', () => {
  it('when an address is IPv4-mapped IPv6, long-form or upper-case IPv6, then it has the one short spelling', () => {
    expect(normaliseIp('::ffff:127.0.14.50')).toBe('127.0.14.50');
    expect(normaliseIp('::FFFF:7F00:0E32')).toBe('127.0.14.50');
    expect(normaliseIp('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(normaliseIp('10.1.2.3')).toBe('10.1.2.3');
    expect(normaliseIp('not an address')).toBeUndefined();
  });

  it('when a network is a CIDR range, then its address is normalised and an IPv4-mapped range becomes the IPv4 range', () => {
    expect(normaliseNetwork('::ffff:10.0.0.0/104')).toBe('10.0.0.0/8');
    expect(normaliseNetwork('::FFFF:127.0.15.0/120')).toBe('127.0.15.0/24');
    expect(normaliseNetwork('2001:DB8:0:0::/32')).toBe('2001:db8::/32');
    expect(normaliseNetwork('192.168.0.0/16')).toBe('192.168.0.0/16');
    expect(normaliseNetwork('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(normaliseNetwork('10.0.0.0/33')).toBeUndefined();
    expect(normaliseNetwork('nonsense/8')).toBeUndefined();
  });

  it('when limits count IPv6, then a /64 is one address', () => {
    expect(limitedAddress('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(limitedAddress('10.1.2.3')).toBe('10.1.2.3');
  });
});
