import { describe, expect, it } from 'vitest';
import { BACKOFF_MAX_MS, backoffFor, type PodRecord } from './kubelet-context.ts';

describe('backoffFor', () => {
  it('starts at 10 s, doubles, and stops at 300 s, per key', () => {
    const rec = { backoff: new Map<string, number>() } as PodRecord;
    const waits = Array.from({ length: 7 }, () => backoffFor(rec, 'crash:app'));
    expect(waits).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, BACKOFF_MAX_MS, BACKOFF_MAX_MS]);
    expect(backoffFor(rec, 'pull:app')).toBe(10_000);
  });
});
