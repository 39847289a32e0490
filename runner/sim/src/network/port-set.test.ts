import { describe, expect, it } from 'vitest';
import { allPortSet, contains, emptyPortSet, formatPortSet, intersect, isEmpty, portRange, union } from './port-set.ts';

describe('port sets', () => {
  it('merges overlapping and adjacent ranges on union', () => {
    const set = union(union(portRange('TCP', 80, 90), portRange('TCP', 91, 100)), portRange('TCP', 85));
    expect(set.TCP).toEqual([[80, 100]]);
  });

  it('intersects per protocol', () => {
    const a = union(portRange('TCP', 1, 100), portRange('UDP', 53));
    const b = union(portRange('TCP', 50, 200), portRange('SCTP', 9));
    expect(intersect(a, b)).toEqual({ SCTP: [], TCP: [[50, 100]], UDP: [] });
    expect(isEmpty(intersect(portRange('UDP', 1), portRange('TCP', 1)))).toBe(true);
  });

  it('answers membership of one port and protocol', () => {
    expect(contains(portRange('UDP', 53), 'UDP', 53)).toBe(true);
    expect(contains(portRange('UDP', 53), 'TCP', 53)).toBe(false);
  });

  it('prints as the analyzer does: All Connections, or protocols in SCTP, TCP, UDP order', () => {
    expect(formatPortSet(allPortSet())).toBe('All Connections');
    expect(formatPortSet(emptyPortSet())).toBe('No Connections');
    const set = union(union(portRange('UDP', 9090), portRange('TCP', 8080, 8081)), portRange('SCTP', 7070));
    expect(formatPortSet(set)).toBe('SCTP 7070,TCP 8080-8081,UDP 9090');
    const holes = union(
      union(portRange('TCP', 1, 79), portRange('TCP', 81, 65535)),
      union(portRange('UDP', 1, 65535), portRange('SCTP', 1, 65535)),
    );
    expect(formatPortSet(holes)).toBe('SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535');
  });
});
