import type { KubeObject } from '@paranoid/k8s/object.ts';
import { describe, expect, it } from 'vitest';
import { deleteObject } from './delete.ts';
import { R } from './resources.ts';
import { deployment, harness, namespace, threeNodes } from './testing/harness.ts';

function setup() {
  const h = harness();
  h.create(R.namespaces, namespace('default'));
  threeNodes(h.store);
  h.create(R.deployments, deployment('web', 2));
  h.settle();
  return h;
}

describe('garbage collector', () => {
  it('Background: deleting the Deployment removes ReplicaSet then pods', () => {
    const h = setup();
    const d = h.store.get(R.deployments, 'default', 'web')!;
    deleteObject(h.store, h.clock, R.deployments, d, 'Background');
    h.settle();
    expect(h.store.list(R.replicasets, 'default')).toHaveLength(0);
    expect(h.store.list(R.pods, 'default')).toHaveLength(0);
  });

  it('Foreground: the owner waits with foregroundDeletion until its dependents are gone', () => {
    const h = setup();
    const d = h.store.get(R.deployments, 'default', 'web')!;
    deleteObject(h.store, h.clock, R.deployments, d, 'Foreground');
    const marked = h.store.get(R.deployments, 'default', 'web')!;
    expect(marked.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(marked.metadata.deletionTimestamp).toBe('2026-01-01T12:00:00Z');
    h.settle();
    expect(h.store.get(R.deployments, 'default', 'web')).toBeUndefined();
    expect(h.store.list(R.replicasets, 'default')).toHaveLength(0);
    expect(h.store.list(R.pods, 'default')).toHaveLength(0);
  });

  it('Foreground waits for a dependent that has its own finalizer', () => {
    const h = setup();
    const [rs] = h.store.list(R.replicasets, 'default');
    rs!.metadata.finalizers = ['example.com/hold'];
    h.store.update(R.replicasets, rs!);
    h.settle();
    deleteObject(h.store, h.clock, R.deployments, h.store.get(R.deployments, 'default', 'web')!, 'Foreground');
    h.settle();
    expect(h.store.get(R.deployments, 'default', 'web')).toBeDefined();
    const held = h.store.get(R.replicasets, 'default', rs!.metadata.name!)!;
    expect(held.metadata.deletionTimestamp).toBeDefined();
    delete held.metadata.finalizers;
    h.store.update(R.replicasets, held);
    // The store removes the ReplicaSet on that update, as the registry does: its last finalizer is gone.
    expect(h.store.get(R.replicasets, 'default', held.metadata.name!)).toBeUndefined();
    h.settle();
    expect(h.store.get(R.deployments, 'default', 'web')).toBeUndefined();
  });

  it('Orphan: dependents lose the owner reference and stay', () => {
    const h = setup();
    deleteObject(h.store, h.clock, R.deployments, h.store.get(R.deployments, 'default', 'web')!, 'Orphan');
    h.settle();
    expect(h.store.get(R.deployments, 'default', 'web')).toBeUndefined();
    const rss = h.store.list(R.replicasets, 'default');
    expect(rss).toHaveLength(1);
    expect(rss[0]!.metadata.ownerReferences).toBeUndefined();
    expect(h.store.list(R.pods, 'default')).toHaveLength(2);
  });

  it('removes an object whose owner never existed, keeps one with a live co-owner', () => {
    const h = setup();
    const cm = (name: string, owners: KubeObject['metadata']['ownerReferences']): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'default', ownerReferences: owners },
    });
    const d = h.store.get(R.deployments, 'default', 'web')!;
    const ghost = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'ghost', uid: 'no-such-uid' };
    h.create(R.configmaps, cm('orphaned', [ghost]));
    h.create(
      R.configmaps,
      cm('shared', [ghost, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid! }]),
    );
    h.settle();
    expect(h.store.get(R.configmaps, 'default', 'orphaned')).toBeUndefined();
    expect(h.store.get(R.configmaps, 'default', 'shared')?.metadata.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid },
    ]);
  });
});
