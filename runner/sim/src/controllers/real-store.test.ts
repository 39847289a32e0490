import { describe, expect, it } from 'vitest';
import { bootstrapCluster } from '../bootstrap/index.ts';
import { deleteObject } from './delete.ts';
import { rfc3339 } from './meta.ts';
import { R } from './resources.ts';
import { deployment, harness, namespace, threeNodes } from './testing/harness.ts';
import type { DeploymentObject, JobObject, NamespaceObject, PodObject } from './types.ts';

/** Whole paths (rollout, cascade, namespace and Job finalizers) through the cluster's store, end to end. */
const real = () => harness();

describe('controllers on the real memory store', () => {
  it('rolls a Deployment out, updates it and deletes it in cascade', async () => {
    const h = real();
    h.create(R.namespaces, namespace('default'));
    threeNodes(h.store);
    h.create(R.deployments, deployment('web', 3));
    await h.rollForward();
    expect(h.store.list(R.pods, 'default')).toHaveLength(3);
    const d = h.store.get(R.deployments, 'default', 'web') as DeploymentObject;
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
    d.spec.template.spec!.containers[0]!.image = 'nginx:1.28';
    h.store.update(R.deployments, d);
    await h.rollForward();
    const pods = h.store.list(R.pods, 'default') as PodObject[];
    expect(pods.map((p) => p.spec.containers[0]!.image)).toEqual(['nginx:1.28', 'nginx:1.28', 'nginx:1.28']);
    deleteObject(h.store, h.clock, R.deployments, h.store.get(R.deployments, 'default', 'web')!, 'Foreground');
    h.settle();
    expect(h.store.list(R.deployments, 'default')).toHaveLength(0);
    expect(h.store.list(R.replicasets, 'default')).toHaveLength(0);
    expect(h.store.list(R.pods, 'default')).toHaveLength(0);
  });

  it('finalizes a namespace', async () => {
    const h = real();
    h.create(R.namespaces, namespace('team'));
    threeNodes(h.store);
    const d = deployment('web', 2);
    d.metadata.namespace = 'team';
    h.create(R.deployments, d);
    h.settle();
    const ns = h.store.get(R.namespaces, undefined, 'team') as NamespaceObject;
    ns.metadata.deletionTimestamp = rfc3339(h.clock.now());
    h.store.update(R.namespaces, ns);
    h.settle();
    expect(h.store.get(R.namespaces, undefined, 'team')).toBeUndefined();
    expect(h.store.list(R.pods, 'team')).toHaveLength(0);
  });

  it('completes a Job through the tracking finalizer', async () => {
    const h = real();
    h.create(R.namespaces, namespace('default'));
    threeNodes(h.store);
    h.create(R.jobs, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once', namespace: 'default' },
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'sleep 5'] }],
          },
        },
      },
    });
    await h.rollForward();
    const [pod] = h.store.list(R.pods, 'default');
    expect((pod as PodObject).status?.phase).toBe('Running');
    // The container's own command ends it: the kubelet reports the pod Succeeded.
    await h.run(5_000);
    const job = h.store.get(R.jobs, 'default', 'once') as JobObject;
    expect(job.status?.succeeded).toBe(1);
    expect(job.status?.conditions?.map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(h.store.get(R.pods, 'default', pod!.metadata.name!)?.metadata.finalizers).toBeUndefined();
  });

  it('bootstraps a kind-like cluster that settles', async () => {
    const h = real();
    bootstrapCluster({ store: h.store, clock: h.clock, ids: h.ids });
    await h.rollForward();
    const system = h.store.list(R.pods, 'kube-system') as PodObject[];
    expect(system).toHaveLength(4 + 3 + 3 + 2);
    expect(system.every((p) => p.spec.nodeName)).toBe(true);
    const before = h.store.resourceVersion();
    h.settle(60_000);
    expect(h.store.resourceVersion()).toBe(before);
  });
});
