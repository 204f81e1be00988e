import { describe, expect, it } from 'vitest';
import { contains, formatCidr, formatIPv4, gatewayOf, overlaps, parseCidr, parseIPv4, subnetAt, subnetCount, within } from './cidr.js';

describe('IPv4 and CIDR helpers', () => {
  it.each([
    ['10.42.0.1', 0x0a2a0001],
    ['255.255.255.255', 0xffffffff],
    ['0.0.0.0', 0],
    ['256.1.1.1', undefined],
    ['10.042.0.1', undefined],
    ['10.42.0', undefined],
    ['::1', undefined],
  ])('parses %s', (text, want) => {
    expect(parseIPv4(text)).toBe(want);
    if (want !== undefined) expect(formatIPv4(want)).toBe(text);
  });

  it.each([
    ['10.42.0.0/16', '10.42.0.0/16'],
    ['10.96.0.0/12', '10.96.0.0/12'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['10.1.2.3/32', '10.1.2.3/32'],
  ])('parses the block %s', (text, want) => expect(formatCidr(parseCidr(text))).toBe(want));

  it.each([
    ['10.42.0.1/16', /host bits set: did you mean 10.42.0.0\/16/],
    ['10.42.0.0', /not a CIDR block/],
    ['10.42.0.0/33', /not a CIDR block/],
    ['fd00::/64', /IPv6/],
    ['nonsense/8', /not a CIDR block/],
  ])('refuses %s with a clear message', (text, msg) => expect(() => parseCidr(text)).toThrow(msg));

  it('answers containment and overlap', () => {
    const cluster = parseCidr('10.42.0.0/16');
    expect(contains(cluster, '10.42.255.7')).toBe(true);
    expect(contains(cluster, '10.43.0.1')).toBe(false);
    expect(within(parseCidr('10.42.3.0/24'), cluster)).toBe(true);
    expect(within(cluster, parseCidr('10.42.3.0/24'))).toBe(false);
    expect(overlaps(cluster, parseCidr('10.0.0.0/8'))).toBe(true);
    expect(overlaps(parseCidr('10.96.0.0/12'), cluster)).toBe(false);
    expect(overlaps(parseCidr('10.96.0.0/12'), parseCidr('10.100.0.0/16'))).toBe(true);
  });

  it('carves subnets and names gateways', () => {
    const cluster = parseCidr('10.42.0.0/16');
    expect(subnetCount(cluster, 24)).toBe(256);
    expect(formatCidr(subnetAt(cluster, 24, 3))).toBe('10.42.3.0/24');
    expect(formatCidr(subnetAt(cluster, 24, 255))).toBe('10.42.255.0/24');
    expect(() => subnetAt(cluster, 24, 256)).toThrow(/256 \/24 subnets/);
    expect(gatewayOf(parseCidr('10.42.3.0/24'))).toBe('10.42.3.1');
  });
});
