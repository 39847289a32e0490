import { describe, expect, it } from 'vitest';
import { clone, jsonEqual } from './json.ts';

const roundTrip = (v: unknown) => JSON.parse(JSON.stringify(v));

describe('clone', () => {
  it('copies exactly what a JSON round trip copies', () => {
    const samples: unknown[] = [
      { a: 1, b: 'x', c: true, d: null, e: [1, 'two', { three: 3 }], f: { g: { h: [] } } },
      { gone: undefined, fn: () => 1, kept: 0, nan: Number.NaN, inf: Number.POSITIVE_INFINITY, neg: -0 },
      [undefined, () => 1, Number.NaN, 'x', [undefined]],
      { when: new Date(Date.UTC(2026, 0, 1)), nested: { toJSON: () => 'custom' } },
      JSON.parse('{"__proto__": {"polluted": true}, "metadata": {"name": "p"}}'),
      'text',
      42,
      null,
    ];
    for (const sample of samples) expect(clone(sample)).toStrictEqual(roundTrip(sample));
  });

  it('keeps a learner’s `__proto__` key as data, never as the copy’s prototype', () => {
    const copy = clone(JSON.parse('{"__proto__": {"admin": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { admin?: boolean }).admin).toBeUndefined();
    expect(Object.keys(copy)).toEqual(['__proto__']);
  });

  it('shares nothing with the original', () => {
    const original = { spec: { containers: [{ name: 'web', env: [{ name: 'A', value: '1' }] }] } };
    const copy = clone(original);
    copy.spec.containers[0]!.env[0]!.value = '2';
    expect(original.spec.containers[0]!.env[0]!.value).toBe('1');
  });
});

describe('jsonEqual', () => {
  it('says equal exactly when the sorted JSON of both sides is the same', () => {
    const sorted = (v: unknown): string =>
      JSON.stringify(v, (_k, x) =>
        x && typeof x === 'object' && !Array.isArray(x)
          ? Object.fromEntries(Object.entries(x).sort(([p], [q]) => (p < q ? -1 : 1)))
          : x,
      );
    const pairs: [unknown, unknown][] = [
      [
        { a: 1, b: { c: [1, 2] } },
        { b: { c: [1, 2] }, a: 1 },
      ],
      [{ a: 1, gone: undefined }, { a: 1 }],
      [{ a: [1, 2] }, { a: [2, 1] }],
      [{ a: 1 }, { a: '1' }],
      [{ a: null }, { a: undefined }],
      [{ a: {} }, { a: [] }],
      [[{ x: 1 }], [{ x: 1, y: undefined }]],
    ];
    for (const [a, b] of pairs) expect(jsonEqual(a, b), `${sorted(a)} vs ${sorted(b)}`).toBe(sorted(a) === sorted(b));
  });
});
