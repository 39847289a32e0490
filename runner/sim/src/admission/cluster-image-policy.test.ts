import { describe, expect, it } from 'vitest';
import { formatFieldErrors, globMatches } from './cluster-image-policy.ts';

const D = `sha256:${'a'.repeat(64)}`;

describe('ClusterImagePolicy globs', () => {
  it('lets * stop at a slash and ** cross it', () => {
    expect(globMatches('registry.lab.local/shop/*', `registry.lab.local/shop/web@${D}`, '')).toBe(true);
    expect(globMatches('registry.lab.local/*', `registry.lab.local/shop/web@${D}`, '')).toBe(false);
    expect(globMatches('registry.lab.local/**', `registry.lab.local/shop/web@${D}`, '')).toBe(true);
  });

  it('treats a dot as a dot, so a look-alike host does not match', () => {
    expect(globMatches('registry.lab.local/**', `registry-lab.local/shop/web@${D}`, '')).toBe(false);
    expect(globMatches('registry.lab.local/**', `registry.lab.local.evil.io/shop/web@${D}`, '')).toBe(false);
  });

  it('reads * alone as Docker Hub library images, and refuses globs with other characters', () => {
    expect(globMatches('*', `index.docker.io/library/nginx@${D}`, 'nginx')).toBe(true);
    expect(globMatches('*', `registry.lab.local/shop/web@${D}`, '')).toBe(false);
    expect(globMatches('registry.lab.local/(shop|web)/**', `registry.lab.local/shop/web@${D}`, '')).toBe(false);
  });

  it('matches a glob of many stars in linear time, where a backtracking regular expression would not return', () => {
    const glob = `${'**a'.repeat(300)}b`;
    const name = `registry.lab.local/${'a'.repeat(240)}`;
    expect(globMatches(glob, name, name)).toBe(false);
    expect(globMatches('**a**a**', name, name)).toBe(true);
  });

  it('never matches a tag glob against a digest reference', () => {
    expect(globMatches('registry.lab.local/shop/web:1.0', `registry.lab.local/shop/web@${D}`, '')).toBe(false);
  });
});

describe('knative field errors', () => {
  it('merges paths of one message and sorts by message', () => {
    expect(
      formatFieldErrors([
        { message: 'missing field(s)', paths: ['spec.images'] },
        { message: 'failed policy: a', paths: ['spec.containers[1].image'], details: 'img' },
        { message: 'failed policy: a', paths: ['spec.containers[0].image'], details: 'img' },
      ]),
    ).toBe('failed policy: a: spec.containers[0].image, spec.containers[1].image\nimg\nmissing field(s): spec.images');
  });
});
