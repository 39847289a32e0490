import { describe, expect, it } from 'vitest';
import { pickCase, type WaitingCase } from './validate-affinity.ts';

const settledIn = (...ids: string[]) => ({ settled: new Set(ids) });
const settled = (scenario: string): WaitingCase => ({ scenario, fromSettledSetup: true });
const first = (scenario: string): WaitingCase => ({ scenario, fromSettledSetup: false });

describe("which case a free worker takes, so a scenario's setup is settled in few workers", () => {
  it('takes a case whose settled setup it already has, before older cases of other scenarios', () => {
    const waiting = [settled('a'), settled('b'), settled('a')];
    expect(pickCase(waiting, settledIn('b'), [settledIn('a')])).toBe(1);
  });

  it("leaves another worker's scenarios to it while a first run or an unclaimed scenario waits", () => {
    expect(pickCase([settled('a'), first('c')], settledIn(), [settledIn('a')])).toBe(1);
    expect(pickCase([settled('a'), settled('d')], settledIn('b'), [settledIn('a')])).toBe(1);
  });

  it('takes the oldest case rather than stay idle when every waiting case is settled elsewhere', () => {
    expect(pickCase([settled('a'), settled('a')], settledIn('b'), [settledIn('a')])).toBe(0);
  });

  it('takes nothing when nothing waits', () => {
    expect(pickCase([], settledIn(), [])).toBe(-1);
  });
});
