import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { Pod } from 'kubernetes-types/core/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { simulatedClusterOptions } from './assemble.ts';
import { ManualClock, SequentialIds } from './clock.ts';
import { type Cluster, type ClusterSnapshot, createCluster } from './cluster.ts';
import type { StoreEvent } from './store.ts';

const ADMIN = 'admin-token';
const START = Date.UTC(2026, 0, 1);

const running: Cluster[] = [];
afterEach(() => {
  for (const c of running.splice(0)) c.stop();
});

/** Lets microtasks run, then moves the clock: controllers and the kubelet work on both. */
async function settle(clock: ManualClock, ms: number, step = 250): Promise<void> {
  for (let t = 0; t <= ms; t += step) {
    for (let i = 0; i < 30; i++) await Promise.resolve();
    clock.advance(step);
  }
  for (let i = 0; i < 30; i++) await Promise.resolve();
}

function make(clock: ManualClock, prefix: string, from?: ClusterSnapshot): Cluster {
  const ids = new SequentialIds();
  // Distinct ids per cluster, as random ones are: a clone's new uids and tokens must not collide.
  const original = ids.uid.bind(ids);
  ids.uid = () => `${prefix}-${original()}`;
  const cluster = createCluster({
    ...simulatedClusterOptions({ clock, ids, adminToken: `${ADMIN}-${prefix}` }),
    ...(from ? { from } : {}),
  });
  running.push(cluster);
  return cluster;
}

const call = (c: Cluster, method: string, path: string, body?: unknown) => {
  const token = c.adminToken;
  return c.callApi(token, method, path, body);
};
const items = (c: Cluster, path: string) => (call(c, 'GET', path).body as { items: KubeObject[] }).items;
const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

const RESOURCES = [
  '/api/v1/namespaces',
  '/api/v1/pods',
  '/api/v1/services',
  '/api/v1/serviceaccounts',
  '/api/v1/configmaps',
  '/api/v1/secrets',
  '/api/v1/nodes',
  '/api/v1/endpoints',
  '/apis/apps/v1/deployments',
  '/apis/apps/v1/replicasets',
  '/apis/apps/v1/daemonsets',
  '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  '/apis/rbac.authorization.k8s.io/v1/roles',
  '/apis/rbac.authorization.k8s.io/v1/rolebindings',
  '/apis/discovery.k8s.io/v1/endpointslices',
];
const everything = (c: Cluster) =>
  RESOURCES.flatMap((r) => items(c, r)).map((o) => `${key(o)} ${o.metadata.uid} ${o.metadata.resourceVersion}`);

function deployment(name: string, replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
    },
  };
}

/** Pods on the pod network: phase, node and IP; every IP must be unique. */
function podNetwork(c: Cluster) {
  const pods = (items(c, '/api/v1/pods') as unknown as Pod[]).filter((p) => !p.spec?.hostNetwork);
  const ips = pods.map((p) => p.status?.podIP);
  return { pods, ips, unique: new Set(ips).size === ips.length && ips.every(Boolean) };
}

async function settledPair() {
  const clock = new ManualClock(START);
  const fresh = make(clock, 'a');
  await settle(clock, 5000);
  return { clock, fresh, snap: fresh.snapshot() };
}

describe('a cluster started from a snapshot', () => {
  it('serves the same objects, uids and resourceVersions, and its hooks find nothing to do', async () => {
    const { clock, fresh, snap } = await settledPair();
    const clone = make(clock, 'b', snap);
    const events: StoreEvent[] = [];
    clone.store.subscribe((e) => events.push(e));
    await settle(clock, 5000);
    expect(events.map((e) => `${e.type} ${e.resource.resource}/${e.object.metadata.name}`)).toEqual([]);
    expect(everything(clone)).toEqual(everything(fresh));
    expect(everything(clone).length).toBeGreaterThan(100);
    expect(clone.store.resourceVersion()).toBe(fresh.store.resourceVersion());
    expect(podNetwork(clone).pods.every((p) => p.status?.phase === 'Running')).toBe(true);
  });

  it('runs new workloads as a fresh cluster does, with no pod IP handed out twice', async () => {
    const { clock, fresh, snap } = await settledPair();
    const clone = make(clock, 'b', snap);
    await settle(clock, 1000);
    for (const c of [fresh, clone]) {
      expect(call(c, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('web', 6)).status).toBe(201);
    }
    await settle(clock, 5000);
    const shape = (c: Cluster) =>
      podNetwork(c)
        .pods.map((p) => `${p.metadata?.namespace} ${p.status?.phase} ${p.spec?.nodeName} ${p.status?.podIP}`)
        .sort();
    expect(podNetwork(clone).unique).toBe(true);
    expect(podNetwork(fresh).unique).toBe(true);
    expect(shape(clone)).toEqual(shape(fresh));
    const web = items(clone, '/api/v1/namespaces/default/pods') as unknown as Pod[];
    expect(web.filter((p) => p.status?.phase === 'Running')).toHaveLength(6);
  });

  it('issues service account tokens that authenticate, and gives new namespaces their CA and account', async () => {
    const { clock, fresh, snap } = await settledPair();
    const clone = make(clock, 'b', snap);
    await settle(clock, 500);
    const root = items(clone, '/api/v1/namespaces/default/configmaps').find(
      (c) => c.metadata.name === 'kube-root-ca.crt',
    );
    expect(root).toEqual(
      items(fresh, '/api/v1/namespaces/default/configmaps').find((c) => c.metadata.name === 'kube-root-ca.crt'),
    );
    expect(
      call(clone, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } })
        .status,
    ).toBe(201);
    await settle(clock, 1000);
    expect(items(clone, '/api/v1/namespaces/team/configmaps').map((c) => c.metadata.name)).toContain(
      'kube-root-ca.crt',
    );
    // The same RBAC decisions as on the cluster the snapshot came from.
    const decisions = (c: Cluster) => {
      const issued = call(c, 'POST', '/api/v1/namespaces/kube-system/serviceaccounts/coredns/token', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {},
      });
      expect(issued.status).toBe(201);
      const token = (issued.body as { status: { token: string } }).status.token;
      const review = c.callApi(token, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
      });
      expect(review.status).toBe(201);
      expect(JSON.stringify(review.body)).toContain('system:serviceaccount:kube-system:coredns');
      return [
        '/api',
        '/api/v1/endpoints',
        '/apis/discovery.k8s.io/v1/endpointslices',
        '/api/v1/secrets',
        '/api/v1/namespaces',
      ].map((path) => c.callApi(token, 'GET', path).status);
    };
    expect(decisions(clone)).toEqual(decisions(fresh));
    expect(decisions(clone)).toContain(200);
    expect(decisions(clone)).toContain(403);
    expect(clone.authenticates(fresh.adminToken)).toBe(false);
    expect(clone.adminToken).not.toBe(fresh.adminToken);
  });

  it('shares no state with another clone or with the snapshot', async () => {
    const { clock, fresh, snap } = await settledPair();
    const before = everything(fresh);
    const a = make(clock, 'b', snap);
    const b = make(clock, 'c', snap);
    await settle(clock, 500);
    expect(
      call(a, 'POST', '/api/v1/namespaces/default/configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'only-a' },
      }).status,
    ).toBe(201);
    const dns = items(a, '/api/v1/namespaces/kube-system/pods').find((p) => p.metadata.name?.startsWith('coredns'))!;
    expect(call(a, 'DELETE', `/api/v1/namespaces/kube-system/pods/${dns.metadata.name}`).status).toBe(200);
    expect(call(a, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('web', 2)).status).toBe(201);
    a.stop();
    await settle(clock, 3000);
    expect(everything(b)).toEqual(before);
    expect(everything(fresh)).toEqual(before);
    const c = make(clock, 'd', snap);
    expect(everything(c)).toEqual(before);
    expect(podNetwork(b).pods.every((p) => p.status?.phase === 'Running')).toBe(true);
  });
});
