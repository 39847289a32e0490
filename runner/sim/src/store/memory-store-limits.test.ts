import { StatusError } from '@paranoid/k8s/status.ts';
import { describe, expect, it } from 'vitest';
import { ManualClock, SequentialIds } from '../clock.ts';
import { createMemoryStore, STORE_LIMITS } from './memory-store.ts';

const configmaps = { group: '', resource: 'configmaps' };
const cm = (name: string, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'dev' },
  data,
});

function refusal(write: () => unknown): StatusError {
  try {
    write();
  } catch (error) {
    if (error instanceof StatusError) return error;
    throw error;
  }
  throw new Error('the write was accepted');
}

describe('the memory store’s limits', () => {
  it('refuses an object over etcd’s 1.5 MiB request limit as etcd does, and keeps nothing of it', () => {
    const store = createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds() });
    const error = refusal(() => store.create(configmaps, cm('big', { blob: 'x'.repeat(STORE_LIMITS.maxObjectBytes) })));
    expect(error.code).toBe(500);
    expect(error.message).toBe('etcdserver: request is too large');
    expect(store.size()).toBe(0);
    store.create(configmaps, cm('small', { a: 'b' }));
    expect(() => store.update(configmaps, cm('small', { blob: 'x'.repeat(2 * 1024 * 1024) }))).toThrow(
      'etcdserver: request is too large',
    );
    expect(store.get(configmaps, 'dev', 'small')?.data).toEqual({ a: 'b' });
  });

  it('refuses objects past the cluster’s count and total size, as a full etcd does', () => {
    const store = createMemoryStore({
      clock: new ManualClock(),
      ids: new SequentialIds(),
      limits: { maxObjects: 3, maxTotalBytes: 10_000 },
    });
    for (const name of ['a', 'b', 'c']) store.create(configmaps, cm(name));
    expect(refusal(() => store.create(configmaps, cm('d'))).message).toBe('etcdserver: mvcc: database space exceeded');
    store.delete(configmaps, 'dev', 'c');
    expect(refusal(() => store.create(configmaps, cm('e', { blob: 'x'.repeat(9_900) }))).message).toBe(
      'etcdserver: mvcc: database space exceeded',
    );
    store.create(configmaps, cm('f', { blob: 'x'.repeat(1_000) }));
    expect(store.size()).toBe(3);
  });
});

describe('the field bound', () => {
  it('refuses an object with more fields than one may hold, and counts nested ones', () => {
    const store = createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds() });
    const labels = Object.fromEntries(
      Array.from({ length: STORE_LIMITS.maxObjectFields + 1 }, (_, i) => [`k${i}`, '']),
    );
    const error = refusal(() =>
      store.create(configmaps, { ...cm('many'), metadata: { name: 'many', namespace: 'dev', labels } }),
    );
    expect(error.code).toBe(413);
    expect(error.message).toMatch(/^Request entity too large: the object has more than 10000 fields/);
    expect(store.size()).toBe(0);
  });
});
