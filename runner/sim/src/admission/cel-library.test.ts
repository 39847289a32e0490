import { describe, expect, it } from 'vitest';
import { kubernetesCelEnvironment } from './cel-library.ts';

const env = kubernetesCelEnvironment();
const run = (expr: string, ctx: Record<string, unknown> = {}) => env.evaluate(expr, ctx);

describe('kubernetesCelEnvironment', () => {
  it('has the Kubernetes string and regex functions', () => {
    expect(run('"a-b-c".replace("-", "_")')).toBe('a_b_c');
    expect(run('"a-b-c".replace("-", "_", 1)')).toBe('a_b-c');
    expect(run('"nginx:1.27".find("[0-9.]+$")')).toBe('1.27');
    expect(run('"a1b22".findAll("[0-9]+")')).toEqual(['1', '22']);
  });

  it('has the list functions', () => {
    expect(run('[1, 2, 3].isSorted() && [1, 2, 3].sum() == 6 && [3, 1].min() == 1 && [3, 1].max() == 3')).toBe(true);
  });

  it('compares quantities', () => {
    expect(run('quantity("500m").isLessThan(quantity("1"))')).toBe(true);
    expect(run('quantity(o.memory).isGreaterThan(quantity("1Gi"))', { o: { memory: '2Gi' } })).toBe(true);
    expect(run('isQuantity("12Mi") && !isQuantity("lots")')).toBe(true);
  });
});
