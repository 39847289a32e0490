import { StatusError } from '@paranoid/k8s/status.ts';
import { describe, expect, it } from 'vitest';
import { ManualClock, SequentialIds } from '../clock.ts';
import { createMemoryStore } from './memory-store.ts';

const deployments = { group: 'apps', resource: 'deployments' };
const configmaps = { group: '', resource: 'configmaps' };
const make = () => createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds() });
const deploy = (replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'dev' },
  spec: { replicas },
});

describe('the memory store', () => {
  it('assigns uid, resourceVersion, creationTimestamp and generation on create', () => {
    const store = make();
    const d = store.create(deployments, deploy(1));
    expect(d.metadata).toMatchObject({
      uid: expect.any(String),
      resourceVersion: '2',
      generation: 1,
      creationTimestamp: '2026-01-01T00:00:00Z',
    });
    expect(
      store.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'dev' } })
        .metadata.generation,
    ).toBeUndefined();
  });

  it('bumps generation on spec changes only', () => {
    const store = make();
    const d = store.create(deployments, deploy(1));
    const labelled = store.update(deployments, { ...d, metadata: { ...d.metadata, labels: { a: 'b' } } });
    expect(labelled.metadata.generation).toBe(1);
    const scaled = store.update(deployments, { ...labelled, spec: { replicas: 2 } });
    expect(scaled.metadata.generation).toBe(2);
  });

  it('refuses a stale resourceVersion with Conflict and keeps the version on a no-op write', () => {
    const store = make();
    const d = store.create(deployments, deploy(1));
    const same = store.update(deployments, d);
    expect(same.metadata.resourceVersion).toBe(d.metadata.resourceVersion);
    store.update(deployments, { ...d, spec: { replicas: 5 } });
    expect(() => store.update(deployments, { ...d, spec: { replicas: 6 } })).toThrowError(StatusError);
  });

  it('hands out copies', () => {
    const store = make();
    const d = store.create(deployments, deploy(1));
    (d.spec as { replicas: number }).replicas = 99;
    expect((store.get(deployments, 'dev', 'web')!.spec as { replicas: number }).replicas).toBe(1);
  });

  it('deletes an object being deleted once its last finalizer goes', () => {
    const store = make();
    const c = store.create(configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'dev', finalizers: ['x'] },
    });
    const deleting = store.update(configmaps, {
      ...c,
      metadata: { ...c.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0 },
    });
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    store.update(configmaps, { ...deleting, metadata: { ...deleting.metadata, finalizers: [] } });
    expect(store.get(configmaps, 'dev', 'c')).toBeUndefined();
  });

  it('replays events after a resourceVersion for watch resumption', () => {
    const store = make();
    const d = store.create(deployments, deploy(1));
    const rv = Number(d.metadata.resourceVersion);
    store.update(deployments, { ...d, spec: { replicas: 3 } });
    store.delete(deployments, 'dev', 'web');
    expect(store.eventsSince(rv)!.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
  });

  it('generates a name from generateName', () => {
    const store = make();
    const c = store.create(configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { generateName: 'cm-', namespace: 'dev' },
    });
    expect(c.metadata.name).toMatch(/^cm-[a-z0-9]{5}$/);
  });

  it('gives each listener its own copies of an event, made when read', () => {
    const store = make();
    const seen: unknown[] = [];
    store.subscribe((e) => {
      e.object.metadata.labels = { changed: 'by-listener' };
      seen.push(e.object);
    });
    store.subscribe((e) => seen.push(e.object));
    store.subscribe(() => undefined);
    store.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'dev' } });
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toBe(seen[1]);
    expect((seen[1] as { metadata: { labels?: unknown } }).metadata.labels).toBeUndefined();
    expect(store.get(configmaps, 'dev', 'c')?.metadata.labels).toBeUndefined();
  });

  it('scans the stored objects in list order without copying them', () => {
    const store = make();
    for (const [ns, name] of [
      ['b', 'x'],
      ['a', 'y'],
      ['a', 'x'],
    ] as const) {
      store.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns } });
    }
    const scanned = store.scan(configmaps);
    expect(scanned.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['a/x', 'a/y', 'b/x']);
    expect(store.scan(configmaps)[0]).toBe(scanned[0]);
    expect(store.list(configmaps)).toEqual(scanned);
    expect(store.scan(configmaps, 'a')).toHaveLength(2);
  });

  it('starts a store from a snapshot with the same objects, uids and resourceVersions', () => {
    const store = make();
    const d = store.create(deployments, deploy(1));
    store.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'dev' } });
    const snap = store.snapshot();
    const clone = createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds(), from: snap });
    expect(clone.get(deployments, 'dev', 'web')).toEqual(d);
    expect(clone.list(configmaps)).toEqual(store.list(configmaps));
    expect(clone.resourceVersion()).toBe(store.resourceVersion());
    expect(clone.size()).toBe(2);
    // A stale write is still a conflict, a current one moves the shared revision on.
    expect(() => clone.update(deployments, { ...d, metadata: { ...d.metadata, resourceVersion: '1' } })).toThrow(
      StatusError,
    );
    const next = clone.update(deployments, { ...d, spec: { replicas: 3 } });
    expect(next.metadata.resourceVersion).toBe(String(Number(store.resourceVersion()) + 1));
    expect(next.metadata.generation).toBe(2);
  });

  it('gives every store started from a snapshot its own objects', () => {
    const store = make();
    const d = store.create(deployments, deploy(1));
    const snap = store.snapshot();
    const a = createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds(), from: snap });
    const b = createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds(), from: snap });
    a.update(deployments, { ...d, spec: { replicas: 5 } });
    a.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'only-a', namespace: 'dev' } });
    (a.scan(deployments)[0] as unknown as { spec: { replicas: number } }).spec.replicas = 9;
    store.delete(deployments, 'dev', 'web');
    expect(b.get(deployments, 'dev', 'web')?.spec).toEqual({ replicas: 1 });
    expect(b.get(configmaps, 'dev', 'only-a')).toBeUndefined();
    expect(b.resourceVersion()).toBe(snap.revision.toString());
    expect(createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds(), from: snap }).size()).toBe(1);
  });

  it('expires watches from before the snapshot and replays those after it', () => {
    const store = make();
    store.create(deployments, deploy(1));
    const clone = createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds(), from: store.snapshot() });
    const rv = Number(clone.resourceVersion());
    expect(clone.eventsSince(rv - 1)).toBeUndefined();
    expect(clone.eventsSince(rv)).toEqual([]);
    clone.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'dev' } });
    expect(clone.eventsSince(rv)?.map((e) => e.type)).toEqual(['ADDED']);
  });
});
