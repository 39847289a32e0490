import { describe, expect, it } from 'vitest';
import { disjointRanges, formatIPv4, formatRange, ipInCidr, parseCidr, parseIPv4, subtractRanges } from './ip.ts';

describe('IPv4 addressing', () => {
  it('parses and prints dotted quads, rejecting anything else', () => {
    expect(formatIPv4(parseIPv4('10.244.1.5')!)).toBe('10.244.1.5');
    expect(parseIPv4('255.255.255.255')).toBe(2 ** 32 - 1);
    for (const bad of ['10.244.1', '256.0.0.1', 'a.b.c.d', '1.2.3.4.5', '']) expect(parseIPv4(bad)).toBeUndefined();
  });

  it('reads a CIDR as the range it covers, aligning a host address to its network', () => {
    expect(formatRange(parseCidr('10.0.0.0/8')!)).toBe('10.0.0.0-10.255.255.255');
    expect(formatRange(parseCidr('10.1.2.3/16')!)).toBe('10.1.0.0-10.1.255.255');
    expect(formatRange(parseCidr('169.254.169.254')!)).toBe('169.254.169.254-169.254.169.254');
    expect(formatRange(parseCidr('0.0.0.0/0')!)).toBe('0.0.0.0-255.255.255.255');
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
  });

  it('tests membership of an address in a CIDR', () => {
    expect(ipInCidr('172.18.0.3', '172.18.0.0/16')).toBe(true);
    expect(ipInCidr('172.19.0.3', '172.18.0.0/16')).toBe(false);
  });

  it('subtracts excepts from a block, merging holes that touch', () => {
    const block = subtractRanges(parseCidr('0.0.0.0/0')!, [parseCidr('10.0.0.0/9')!, parseCidr('10.128.0.0/9')!]);
    expect(block.map(formatRange)).toEqual(['0.0.0.0-9.255.255.255', '11.0.0.0-255.255.255.255']);
  });

  it('cuts the address space into uniform ranges at every boundary', () => {
    const ranges = disjointRanges([parseCidr('10.0.0.0/8')!, parseCidr('10.10.0.0/16')!]);
    expect(ranges.map(formatRange)).toEqual([
      '0.0.0.0-9.255.255.255',
      '10.0.0.0-10.9.255.255',
      '10.10.0.0-10.10.255.255',
      '10.11.0.0-10.255.255.255',
      '11.0.0.0-255.255.255.255',
    ]);
    expect(disjointRanges([]).map(formatRange)).toEqual(['0.0.0.0-255.255.255.255']);
  });
});
