import { describe, expect, it } from 'vitest';
import {
  base64Decode,
  boolFlag,
  CHECK_ONLY_FUNCTIONS,
  celEnvironment,
  kubernetesCelEnvironment,
  labelSelectorMatches,
  mapSelectorMatches,
} from './cel.ts';
import { parseImageRef } from './image-ref.ts';

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

describe('boolFlag', () => {
  it('lets the last occurrence win, as Go flags do', () => {
    expect(boolFlag(['--enable-skip-login=false', '--enable-skip-login'], 'enable-skip-login', false)).toBe(true);
    expect(boolFlag(['--enable-skip-login', '--enable-skip-login=false'], 'enable-skip-login', false)).toBe(false);
  });
  it('reads a bare flag as true and accepts strconv.ParseBool spellings', () => {
    expect(boolFlag(['--enable-skip-login'], 'enable-skip-login', false)).toBe(true);
    expect(boolFlag(['--enable-skip-login=0'], 'enable-skip-login', true)).toBe(false);
    expect(boolFlag(['-enable-skip-login=T'], 'enable-skip-login', false)).toBe(true);
  });
  it('ignores other flags and positional words', () => {
    expect(
      boolFlag(
        ['--enable-skip-login-extra', 'enable-skip-login', '--auto-generate-certificates'],
        'enable-skip-login',
        false,
      ),
    ).toBe(false);
  });
});

describe('selectors', () => {
  it('matches an empty LabelSelector against everything, and a missing one against nothing', () => {
    expect(labelSelectorMatches({}, { app: 'db' })).toBe(true);
    expect(labelSelectorMatches(undefined, { app: 'db' })).toBe(false);
  });
  it('applies matchExpressions', () => {
    const sel = { matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'db'] }] };
    expect(labelSelectorMatches(sel, { app: 'db' })).toBe(true);
    expect(labelSelectorMatches(sel, { app: 'frontend' })).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, {})).toBe(true);
  });
  it('never matches with an empty Service selector', () => {
    expect(mapSelectorMatches({}, { app: 'db' })).toBe(false);
    expect(mapSelectorMatches({ app: 'db' }, { app: 'db', tier: 'data' })).toBe(true);
  });
});

describe('parseImageRef', () => {
  it('normalises short names as the kubelet does', () => {
    expect(parseImageRef('nginx').repository).toBe('docker.io/library/nginx');
    expect(parseImageRef('cryptoworker/alpine-utils').repository).toBe('docker.io/cryptoworker/alpine-utils');
    expect(parseImageRef('docker.io/cryptoworker/alpine-utils:latest').tag).toBe('latest');
  });
  it('treats a look-alike registry as another registry', () => {
    const ref = parseImageRef('registry.lab.local.evil.io/approved/resizer:1.4.2');
    expect(ref.registry).toBe('registry.lab.local.evil.io');
    expect(ref.path).toBe('approved/resizer');
  });
  it('splits tag and digest', () => {
    const ref = parseImageRef(`localhost:5000/a/b:1.0@sha256:${'a'.repeat(64)}`);
    expect(ref).toMatchObject({
      registry: 'localhost:5000',
      path: 'a/b',
      tag: '1.0',
      digest: `sha256:${'a'.repeat(64)}`,
    });
  });
});

describe('the CEL environment', () => {
  it('offers the helpers to expressions', () => {
    const env = celEnvironment();
    expect(env.evaluate("imageRef('nginx:1.27').repository", {})).toBe('docker.io/library/nginx');
    expect(env.evaluate("boolFlag(['--a', '--a=false'], 'a', true)", {})).toBe(false);
    expect(env.evaluate("base64Decode('QUtJQQ==')", {})).toBe('AKIA');
    expect(base64Decode('%%%')).toBe('');
  });
});

describe('the two layers', () => {
  it('gives checks the Kubernetes libraries too', () => {
    expect(celEnvironment().evaluate('quantity("2Gi").isGreaterThan(quantity("1Gi"))', {})).toBe(true);
  });

  it('keeps the check-only functions out of admission policies, as a real API server would', () => {
    for (const name of CHECK_ONLY_FUNCTIONS) {
      expect(kubernetesCelEnvironment().check(`${name}("x") == true`).valid).toBe(false);
      expect(() => kubernetesCelEnvironment().evaluate(`${name}("x")`, {})).toThrow(/no matching overload/);
    }
  });
});
