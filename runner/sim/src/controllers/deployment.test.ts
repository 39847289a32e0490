import type { KubeObject } from '@paranoid/k8s/object.ts';
import { describe, expect, it } from 'vitest';
import { R } from './resources.ts';
import { deployment, harness, namespace, threeNodes } from './testing/harness.ts';
import type { DeploymentObject, PodObject, ReplicaSetObject } from './types.ts';

function setup() {
  const h = harness();
  h.create(R.namespaces, namespace('default'));
  threeNodes(h.store);
  h.settle();
  return h;
}

const rsList = (h: ReturnType<typeof setup>) => h.store.list(R.replicasets, 'default') as ReplicaSetObject[];
const pods = (h: ReturnType<typeof setup>) => h.store.list(R.pods, 'default') as PodObject[];
const get = (h: ReturnType<typeof setup>, name = 'web') =>
  h.store.get(R.deployments, 'default', name) as DeploymentObject;

describe('Deployment controller', () => {
  it('creates one ReplicaSet and three pods with hashed names, labels and owners', async () => {
    const h = setup();
    h.create(R.deployments, deployment('web'));
    h.settle();
    const [rs, ...more] = rsList(h);
    expect(more).toHaveLength(0);
    const hash = rs!.metadata.labels!['pod-template-hash']!;
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(rs!.metadata.name).toBe(`web-${hash}`);
    expect(rs!.spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs!.metadata.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
    expect(rs!.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Deployment', name: 'web', controller: true, blockOwnerDeletion: true }),
    ]);
    const ps = pods(h);
    expect(ps).toHaveLength(3);
    for (const p of ps) {
      expect(p.metadata.name).toMatch(new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      expect(p.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({
        kind: 'ReplicaSet',
        name: rs!.metadata.name,
        controller: true,
      });
      expect(p.spec.nodeName).toMatch(/^paranoid-worker2?$/);
    }
    expect(get(h).metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    const events = h.events();
    expect(events).toContain(
      `Normal ScalingReplicaSet Deployment/web: Scaled up replica set ${rs!.metadata.name} to 3`,
    );
    for (const p of ps) {
      expect(events).toContain(
        `Normal SuccessfulCreate ReplicaSet/${rs!.metadata.name}: Created pod: ${p.metadata.name}`,
      );
      expect(events).toContain(
        `Normal Scheduled Pod/${p.metadata.name}: Successfully assigned default/${p.metadata.name} to ${p.spec.nodeName}`,
      );
    }
  });

  it('reports Available and NewReplicaSetAvailable once the pods are ready', async () => {
    const h = setup();
    h.create(R.deployments, deployment('web'));
    h.settle();
    expect(get(h).status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('False');
    await h.rollForward();
    const d = get(h);
    const rs = rsList(h)[0]!;
    expect(d.status).toMatchObject({
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      observedGeneration: 1,
    });
    expect(d.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
      [
        'Progressing',
        'True',
        'NewReplicaSetAvailable',
        `ReplicaSet "${rs.metadata.name}" has successfully progressed.`,
      ],
    ]);
    expect(rs.status).toMatchObject({
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      observedGeneration: 1,
    });
  });

  it('scales up and down with ScalingReplicaSet events', async () => {
    const h = setup();
    h.create(R.deployments, deployment('web'));
    await h.rollForward();
    const d = get(h);
    d.spec.replicas = 5;
    h.store.update(R.deployments, d);
    await h.rollForward();
    const rs = rsList(h)[0]!;
    expect(pods(h)).toHaveLength(5);
    expect(h.events()).toContain(
      `Normal ScalingReplicaSet Deployment/web: Scaled up replica set ${rs.metadata.name} to 5 from 3`,
    );
    const d2 = get(h);
    d2.spec.replicas = 1;
    h.store.update(R.deployments, d2);
    await h.rollForward();
    expect(pods(h)).toHaveLength(1);
    expect(h.events()).toContain(
      `Normal ScalingReplicaSet Deployment/web: Scaled down replica set ${rs.metadata.name} to 1 from 5`,
    );
    expect(h.events().filter((e) => e.includes('SuccessfulDelete'))).toHaveLength(4);
    expect(get(h).status).toMatchObject({ replicas: 1, availableReplicas: 1, updatedReplicas: 1 });
  });

  it('rolls out a new image honouring maxSurge and maxUnavailable, and completes', async () => {
    const h = setup();
    h.create(R.deployments, deployment('web', 4));
    await h.rollForward();
    const first = rsList(h)[0]!;
    const d = get(h);
    d.spec.template.spec!.containers[0]!.image = 'nginx:1.28';
    h.store.update(R.deployments, d);
    h.settle();
    // 25% of 4: one surge, one unavailable. The new RS starts at 1 (4+1 pods), the old one
    // drops to 3 (one may be unavailable), which leaves room for a second new pod.
    const second = rsList(h).find((rs) => rs.metadata.uid !== first.metadata.uid)!;
    expect(second.spec.replicas).toBe(2);
    expect(rsList(h).find((rs) => rs.metadata.uid === first.metadata.uid)!.spec.replicas).toBe(3);
    expect(second.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    const active = pods(h).filter((p) => !p.metadata.deletionTimestamp);
    expect(active.length).toBe(5);
    expect(h.events()).toContain(
      `Normal ScalingReplicaSet Deployment/web: Scaled up replica set ${second.metadata.name} to 1`,
    );
    expect(h.events()).toContain(
      `Normal ScalingReplicaSet Deployment/web: Scaled down replica set ${first.metadata.name} to 3 from 4`,
    );
    await h.rollForward();
    const final = rsList(h);
    expect(final.find((rs) => rs.metadata.uid === first.metadata.uid)!.spec.replicas).toBe(0);
    expect(final.find((rs) => rs.metadata.uid === second.metadata.uid)!.spec.replicas).toBe(4);
    expect(pods(h).every((p) => p.spec.containers[0]!.image === 'nginx:1.28')).toBe(true);
    const status = get(h).status!;
    expect(status).toMatchObject({ replicas: 4, updatedReplicas: 4, availableReplicas: 4, observedGeneration: 2 });
    expect(status.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
    expect(get(h).metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
  });

  it('does not finish a rolling update while new pods are not ready', async () => {
    const h = setup();
    h.create(R.deployments, deployment('web', 2));
    await h.rollForward();
    const d = get(h);
    d.spec.template.spec!.containers[0]!.image = 'nginx:broken';
    h.store.update(R.deployments, d);
    h.settle(60_000);
    const status = get(h).status!;
    expect(status.updatedReplicas).toBe(1);
    expect(status.availableReplicas).toBe(2);
    expect(status.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('ReplicaSetUpdated');
    h.settle(600_000);
    const cond = get(h).status!.conditions?.find((c) => c.type === 'Progressing');
    expect(cond).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
  });

  it('restarts with a new ReplicaSet when restartedAt changes, and undo reuses the old one', async () => {
    const h = setup();
    h.create(R.deployments, deployment('web', 2));
    await h.rollForward();
    const first = rsList(h)[0]!;
    const d = get(h);
    d.spec.template.metadata!.annotations = { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T12:00:00Z' };
    h.store.update(R.deployments, d);
    await h.rollForward();
    expect(rsList(h)).toHaveLength(2);
    // kubectl rollout undo: copy the old RS's template (minus the hash label) into the Deployment.
    const undo = get(h);
    const template = JSON.parse(JSON.stringify(first.spec.template));
    delete template.metadata.labels['pod-template-hash'];
    undo.spec.template = template;
    h.store.update(R.deployments, undo);
    await h.rollForward();
    expect(rsList(h)).toHaveLength(2);
    const reused = rsList(h).find((rs) => rs.metadata.uid === first.metadata.uid)!;
    expect(reused.spec.replicas).toBe(2);
    expect(reused.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(reused.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(get(h).metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
  });

  it('Recreate scales the old ReplicaSet to zero before creating the new one', async () => {
    const h = setup();
    const obj = deployment('web', 2) as KubeObject & { spec: { strategy?: unknown } };
    obj.spec.strategy = { type: 'Recreate' };
    h.create(R.deployments, obj);
    await h.rollForward();
    const d = get(h);
    d.spec.template.spec!.containers[0]!.image = 'nginx:1.28';
    h.store.update(R.deployments, d);
    h.settle();
    expect(rsList(h)).toHaveLength(2);
    expect(pods(h).every((p) => p.spec.containers[0]!.image === 'nginx:1.28')).toBe(true);
    await h.rollForward();
    expect(get(h).status).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 });
  });

  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    const h = setup();
    const obj = deployment('web', 1) as DeploymentObject;
    obj.spec.revisionHistoryLimit = 1;
    h.create(R.deployments, obj);
    await h.rollForward();
    for (const image of ['nginx:1.27-alpine', 'nginx:alpine', 'nginx:stable']) {
      const d = get(h);
      d.spec.template.spec!.containers[0]!.image = image;
      h.store.update(R.deployments, d);
      await h.rollForward();
    }
    const revisions = rsList(h)
      .map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'])
      .sort();
    expect(revisions).toEqual(['3', '4']);
  });

  it('deleting a Deployment removes its ReplicaSets and pods', async () => {
    const h = setup();
    h.create(R.deployments, deployment('web'));
    await h.rollForward();
    h.store.delete(R.deployments, 'default', 'web');
    h.settle();
    expect(rsList(h)).toHaveLength(0);
    expect(pods(h)).toHaveLength(0);
  });
});

describe('Deployment controller and kubectl rollout undo', () => {
  it('reuses the old ReplicaSet when the template comes back with creationTimestamp: null', async () => {
    const h = harness();
    h.create(R.namespaces, namespace('default'));
    threeNodes(h.store);
    h.create(R.deployments, deployment('web', 1));
    h.settle();
    const first = (h.store.list(R.replicasets, 'default') as ReplicaSetObject[])[0]!;
    const d = h.store.get(R.deployments, 'default', 'web') as DeploymentObject;
    d.spec.template.spec!.containers[0]!.image = 'nginx:2';
    h.store.update(R.deployments, d);
    h.settle();
    const undo = h.store.get(R.deployments, 'default', 'web') as DeploymentObject;
    const template = JSON.parse(JSON.stringify(first.spec.template));
    delete template.metadata.labels['pod-template-hash'];
    template.metadata.creationTimestamp = null;
    template.spec.containers[0].resources = {};
    undo.spec.template = template;
    h.store.update(R.deployments, undo);
    h.settle();
    expect(h.store.list(R.replicasets, 'default')).toHaveLength(2);
    expect((h.store.get(R.replicasets, 'default', first.metadata.name!) as ReplicaSetObject).spec.replicas).toBe(1);
  });
});
