import { describe, expect, it } from 'vitest';
import { pullPolicy } from './image-pull.ts';

describe('pullPolicy', () => {
  it('defaults to Always for an untagged or :latest image', () => {
    expect(pullPolicy({ image: 'nginx' })).toBe('Always');
    expect(pullPolicy({ image: 'nginx:latest' })).toBe('Always');
    expect(pullPolicy({ image: 'registry.local:5000/team/app' })).toBe('Always');
  });

  it('defaults to IfNotPresent for a pinned tag or a digest', () => {
    expect(pullPolicy({ image: 'nginx:1.27' })).toBe('IfNotPresent');
    expect(pullPolicy({ image: `nginx@sha256:${'a'.repeat(64)}` })).toBe('IfNotPresent');
    expect(pullPolicy({ image: 'registry.local:5000/team/app:v2' })).toBe('IfNotPresent');
  });

  it('keeps a policy the pod set', () => {
    expect(pullPolicy({ image: 'nginx', imagePullPolicy: 'Never' })).toBe('Never');
    expect(pullPolicy({ image: 'nginx:1.27', imagePullPolicy: 'Always' })).toBe('Always');
  });
});
