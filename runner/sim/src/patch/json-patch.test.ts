import type { StatusError } from '@paranoid/k8s/status.ts';
import { describe, expect, it } from 'vitest';
import { applyJsonPatch } from './json-patch.ts';
import { applyMergePatch } from './merge-patch.ts';

const doc = () => ({ metadata: { name: 'a', labels: { x: '1' } }, spec: { list: [1, 2, 3] } });

describe('applyJsonPatch', () => {
  it('applies add, remove, replace, move, copy and test in order', () => {
    const out = applyJsonPatch(doc(), [
      { op: 'test', path: '/metadata/name', value: 'a' },
      { op: 'add', path: '/metadata/labels/y', value: '2' },
      { op: 'add', path: '/spec/list/-', value: 4 },
      { op: 'add', path: '/spec/list/0', value: 0 },
      { op: 'remove', path: '/spec/list/1' },
      { op: 'replace', path: '/metadata/name', value: 'b' },
      { op: 'copy', from: '/metadata/name', path: '/metadata/generateName' },
      { op: 'move', from: '/metadata/labels/x', path: '/metadata/labels/z' },
    ]);
    expect(out).toEqual({
      metadata: { name: 'b', generateName: 'b', labels: { y: '2', z: '1' } },
      spec: { list: [0, 2, 3, 4] },
    });
  });

  it('escapes ~1 and ~0 in pointers', () => {
    const out = applyJsonPatch({ metadata: { annotations: {} } }, [
      { op: 'add', path: '/metadata/annotations/example.com~1a~0b', value: 'v' },
    ]);
    expect(out.metadata.annotations).toEqual({ 'example.com/a~b': 'v' });
  });

  it('fails a test operation with 422 and the library message as the cause', () => {
    try {
      applyJsonPatch(doc(), [{ op: 'test', path: '/metadata/name', value: 'zzz' }]);
      expect.unreachable();
    } catch (e) {
      const s = (e as StatusError).toStatus();
      expect(s.code).toBe(422);
      expect(s.reason).toBe('Invalid');
      expect(s.message).toBe('the server rejected our request due to an error in our request');
      expect(s.details?.causes?.[0]?.message).toBe('testing value /metadata/name failed: test failed');
    }
  });

  it('fails removing a missing key', () => {
    expect(() => applyJsonPatch(doc(), [{ op: 'remove', path: '/metadata/nope' }])).toThrow(
      'the server rejected our request',
    );
  });

  it('rejects an unknown op with 400', () => {
    try {
      applyJsonPatch(doc(), [{ op: 'frobnicate', path: '/a' }]);
      expect.unreachable();
    } catch (e) {
      expect((e as StatusError).code).toBe(400);
    }
  });
});

describe('applyMergePatch', () => {
  it('merges objects, deletes nulls and replaces lists (RFC 7386)', () => {
    const out = applyMergePatch(doc(), { metadata: { labels: { x: null, y: '2' } }, spec: { list: [9] } });
    expect(out).toEqual({ metadata: { name: 'a', labels: { y: '2' } }, spec: { list: [9] } });
  });

  it('follows the RFC 7386 appendix examples', () => {
    expect(applyMergePatch({ a: 'b' }, { a: 'c' })).toEqual({ a: 'c' });
    expect(applyMergePatch({ a: 'b' }, { b: 'c' })).toEqual({ a: 'b', b: 'c' });
    expect(applyMergePatch({ a: 'b', b: 'c' }, { a: null })).toEqual({ b: 'c' });
    expect(applyMergePatch({ a: [{ b: 'c' }] }, { a: [1] })).toEqual({ a: [1] });
    expect(applyMergePatch({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
    expect(applyMergePatch({}, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
  });
});
