import { describe, expect, it } from 'vitest';
import { applyJsonPatch } from './json-patch.ts';
import { applyMergePatch } from './merge-patch.ts';
import { matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { applyStrategicMergeFallback } from './strategic-merge-fallback.ts';

describe('JSON patch (RFC 6902)', () => {
  it('adds, replaces, removes, moves, copies and tests', () => {
    const doc = { a: { b: [1, 2] }, c: 'x' };
    const out = applyJsonPatch(doc, [
      { op: 'add', path: '/a/b/-', value: 3 },
      { op: 'replace', path: '/c', value: 'y' },
      { op: 'copy', from: '/c', path: '/d' },
      { op: 'move', from: '/d', path: '/e' },
      { op: 'remove', path: '/a/b/0' },
      { op: 'test', path: '/e', value: 'y' },
      { op: 'add', path: '/f~1g', value: true },
    ]);
    expect(out).toEqual({ a: { b: [2, 3] }, c: 'y', e: 'y', 'f/g': true });
    expect(doc).toEqual({ a: { b: [1, 2] }, c: 'x' });
  });

  it('fails a test operation and a removal of a missing key', () => {
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(/test failed/);
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '/b' }])).toThrow(/nonexistent key/);
  });
});

describe('JSON merge patch (RFC 7386)', () => {
  it('merges objects, deletes on null and replaces lists', () => {
    expect(applyMergePatch({ a: { b: 1, c: 2 }, l: [1] }, { a: { b: null, d: 3 }, l: [2] })).toEqual({
      a: { c: 2, d: 3 },
      l: [2],
    });
  });
});

describe('strategic merge patch fallback', () => {
  const live = {
    spec: {
      containers: [
        {
          name: 'a',
          image: 'x:1',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
        },
        { name: 'b', image: 'y' },
      ],
    },
    metadata: { finalizers: ['f1'] },
  };

  it('merges containers by name and deletes list items by directive', () => {
    const out = applyStrategicMergeFallback(live, {
      $setElementOrder: undefined,
      spec: {
        '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }],
        containers: [{ name: 'a', image: 'x:2', env: [{ $patch: 'delete', name: 'B' }] }],
      },
      metadata: { finalizers: ['f2'] },
    });
    expect(out.spec.containers).toEqual([
      { name: 'a', image: 'x:2', env: [{ name: 'A', value: '1' }] },
      { name: 'b', image: 'y' },
    ]);
    expect(out.metadata.finalizers).toEqual(['f1', 'f2']);
  });

  it('replaces a list marked $patch: replace and honours $retainKeys', () => {
    const out = applyStrategicMergeFallback(
      { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } }, containers: [{ name: 'a' }] } },
      {
        spec: {
          strategy: { $retainKeys: ['type'], type: 'Recreate' },
          containers: [{ $patch: 'replace' }, { name: 'z' }],
        },
      },
    );
    expect(out).toEqual({ spec: { strategy: { type: 'Recreate' }, containers: [{ name: 'z' }] } });
  });
});

describe('selectors', () => {
  it('parses equality and set-based label selectors', () => {
    const req = parseLabelSelector('app=web,tier!=db,env in (a, b),!legacy,team');
    expect(matchesLabels(req, { app: 'web', env: 'a', team: 'x' })).toBe(true);
    expect(matchesLabels(req, { app: 'web', env: 'c', team: 'x' })).toBe(false);
    expect(matchesLabels(req, { app: 'web', env: 'a', team: 'x', legacy: '1' })).toBe(false);
  });

  it('parses field selectors with escapes', () => {
    expect(parseFieldSelector('metadata.name=a\\,b,status.phase!=Running')).toEqual([
      { field: 'metadata.name', op: '=', value: 'a,b' },
      { field: 'status.phase', op: '!=', value: 'Running' },
    ]);
  });
});
