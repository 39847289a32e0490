import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import { forbidden } from '@paranoid/k8s/status.ts';
import { describe, expect, it } from 'vitest';
import { R } from './resources.ts';
import { harness, namespace, threeNodes } from './testing/harness.ts';
import type { PodObject, ReplicaSetObject } from './types.ts';

const rs = (name: string, replicas: number): ReplicaSetObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name, namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
  },
});

describe('ReplicaSet controller', () => {
  it('records FailedCreate with the API error when admission denies the pod', () => {
    const violation =
      'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)';
    const calls: { resource: GroupResource; obj: KubeObject; user?: string }[] = [];
    const h = harness({
      createThroughApi: (resource, obj, user) => {
        calls.push({ resource, obj, user: user?.username });
        throw forbidden(`pods "${obj.metadata.generateName}" is forbidden: ${violation}`);
      },
    });
    h.create(R.namespaces, namespace('default'));
    threeNodes(h.store);
    h.create(R.replicasets, rs('web-7d4b9c', 3));
    h.settle();
    expect(h.store.list(R.pods, 'default')).toHaveLength(0);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.user).toBe('system:serviceaccount:kube-system:replicaset-controller');
    expect(calls[0]?.obj.metadata).toMatchObject({ generateName: 'web-7d4b9c-', namespace: 'default' });
    expect(calls[0]?.obj.metadata.name).toBeUndefined();
    const events = h.store.list(R.events, 'default');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'Warning',
      reason: 'FailedCreate',
      message: `Error creating: pods "web-7d4b9c-" is forbidden: ${violation}`,
      source: { component: 'replicaset-controller' },
      reportingComponent: 'replicaset-controller',
      count: 1,
      involvedObject: { kind: 'ReplicaSet', name: 'web-7d4b9c', namespace: 'default' },
      firstTimestamp: '2026-01-01T12:00:00Z',
    });
    const status = (h.store.get(R.replicasets, 'default', 'web-7d4b9c') as ReplicaSetObject).status;
    expect(status?.replicas).toBe(0);
    expect(status?.conditions?.[0]).toMatchObject({ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate' });
    // It retries with backoff; repeats aggregate into one Event with a count.
    h.settle(10_000);
    const again = h.store.list(R.events, 'default');
    expect(again).toHaveLength(1);
    expect(again[0]?.count as number).toBeGreaterThan(3);
  });

  it('creates pods through the API when it allows them, and clears the failure once they exist', () => {
    let deny = true;
    const h = harness({
      createThroughApi: (resource, obj) => {
        if (deny) throw forbidden(`pods "${obj.metadata.generateName}" is forbidden: nope`);
        return h.store.create(resource, obj);
      },
    });
    h.create(R.namespaces, namespace('default'));
    threeNodes(h.store);
    h.create(R.replicasets, rs('web', 2));
    h.settle();
    deny = false;
    h.settle(5_000);
    expect(h.store.list(R.pods, 'default')).toHaveLength(2);
    const status = (h.store.get(R.replicasets, 'default', 'web') as ReplicaSetObject).status;
    expect(status?.conditions).toBeUndefined();
    expect(status?.replicas).toBe(2);
  });

  it('replaces a deleted pod, adopts a running orphan and deletes a less advanced pod instead', () => {
    const h = harness();
    h.create(R.namespaces, namespace('default'));
    threeNodes(h.store);
    h.create(R.replicasets, rs('web', 2));
    h.settle();
    const [first] = h.store.list(R.pods, 'default');
    h.store.delete(R.pods, 'default', first!.metadata.name!);
    h.settle();
    expect(h.store.list(R.pods, 'default')).toHaveLength(2);
    h.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stray', namespace: 'default', labels: { app: 'web' } },
      spec: { nodeName: 'paranoid-worker', containers: [{ name: 'c', image: 'nginx' }] },
      status: { phase: 'Running', podIP: '10.244.1.50', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    h.settle();
    const pods = h.store.list(R.pods, 'default') as PodObject[];
    expect(pods).toHaveLength(2);
    const stray = pods.find((p) => p.metadata.name === 'stray');
    expect(stray?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: 'web', controller: true });
  });
});
