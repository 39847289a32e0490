import { describe, expect, it } from 'vitest';
import { base64Decode, boolFlag, celEnvironment, labelSelectorMatches, mapSelectorMatches } from './cel.ts';
import { parseImageRef } from './image-ref.ts';

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
