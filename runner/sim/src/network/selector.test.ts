import { describe, expect, it } from 'vitest';
import { formatSelector, matchesSelector } from './selector.ts';

describe('label selectors', () => {
  it('matches everything with an empty selector', () => {
    expect(matchesSelector({}, undefined)).toBe(true);
    expect(matchesSelector({}, { a: 'b' })).toBe(true);
  });

  it('ANDs matchLabels and every matchExpressions operator', () => {
    const labels = { app: 'api', tier: 'backend' };
    expect(
      matchesSelector(
        { matchLabels: { app: 'api' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend', 'db'] }] },
        labels,
      ),
    ).toBe(true);
    expect(
      matchesSelector({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['backend'] }] }, labels),
    ).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: 'missing', operator: 'NotIn', values: ['x'] }] }, labels)).toBe(
      true,
    );
    expect(matchesSelector({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(matchesSelector({ matchLabels: { app: 'web' } }, labels)).toBe(false);
  });

  it('prints a selector the way kubectl describe does', () => {
    expect(formatSelector({})).toBe('<all>');
    expect(
      formatSelector({
        matchLabels: { app: 'api' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['a', 'b'] },
          { key: 'x', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('app=api,tier in (a,b),!x');
  });
});
