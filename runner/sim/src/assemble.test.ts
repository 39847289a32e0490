import type { KubeObject } from '@paranoid/k8s/object.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulatedCluster, simulatedClusterOptions } from './assemble.ts';
import { ManualClock, SequentialIds } from './clock.ts';
import { type Cluster, createCluster } from './cluster.ts';

const ADMIN = 'admin-token';

interface List {
  items: KubeObject[];
}

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

async function freshCluster(): Promise<{ cluster: Cluster; clock: ManualClock }> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const cluster = createSimulatedCluster({ clock, ids: new SequentialIds(), adminToken: ADMIN });
  running.push(cluster);
  await settle(clock, 5000);
  return { cluster, clock };
}

const get = (c: Cluster, path: string) => c.callApi(ADMIN, 'GET', path);
const list = (c: Cluster, path: string) => (get(c, path).body as List).items;

function deployment(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'nginx', ...spec }] },
      },
    },
  };
}

describe('a fresh simulated cluster', () => {
  it('has kind namespaces labelled with their name, each with a default service account', async () => {
    const { cluster } = await freshCluster();
    const names = list(cluster, '/api/v1/namespaces').map((n) => n.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease']));
    for (const ns of list(cluster, '/api/v1/namespaces')) {
      expect(ns.metadata.labels?.['kubernetes.io/metadata.name']).toBe(ns.metadata.name);
      expect((ns.status as { phase?: string }).phase).toBe('Active');
      expect(get(cluster, `/api/v1/namespaces/${ns.metadata.name}/serviceaccounts/default`).status).toBe(200);
    }
  });

  it('names its nodes after the cluster name it is given', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const cluster = createSimulatedCluster({ clock, ids: new SequentialIds(), adminToken: ADMIN, name: 'lab' });
    running.push(cluster);
    await settle(clock, 3000);
    expect(list(cluster, '/api/v1/nodes').map((n) => n.metadata.name)).toEqual([
      'lab-control-plane',
      'lab-worker',
      'lab-worker2',
    ]);
    const coredns = list(cluster, '/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-dns');
    for (const p of coredns) expect((p.spec as { nodeName: string }).nodeName).toMatch(/^lab-worker2?$/);
  });

  it('has three Ready nodes: a tainted control plane and two workers', async () => {
    const { cluster } = await freshCluster();
    const nodes = list(cluster, '/api/v1/nodes');
    expect(nodes.map((n) => n.metadata.name)).toEqual([
      'paranoid-control-plane',
      'paranoid-worker',
      'paranoid-worker2',
    ]);
    for (const node of nodes) {
      const ready = (node.status as { conditions: { type: string; status: string }[] }).conditions.find(
        (c) => c.type === 'Ready',
      );
      expect(ready?.status).toBe('True');
    }
  });

  it('runs CoreDNS pods with IPs behind Service kube-dns, and every kube-system pod', async () => {
    const { cluster } = await freshCluster();
    const pods = list(cluster, '/api/v1/namespaces/kube-system/pods');
    const coredns = pods.filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns');
    expect(coredns).toHaveLength(2);
    for (const p of pods)
      expect({ pod: p.metadata.name, phase: (p.status as { phase: string }).phase }).toMatchObject({
        phase: 'Running',
      });
    const ips = coredns.map((p) => (p.status as { podIP: string }).podIP);
    for (const ip of ips) expect(ip).toMatch(/^10\.244\.\d+\.\d+$/);
    const svc = get(cluster, '/api/v1/namespaces/kube-system/services/kube-dns').body as KubeObject;
    expect((svc.spec as { clusterIP: string }).clusterIP).toBe('10.96.0.10');
    const ep = get(cluster, '/api/v1/namespaces/kube-system/endpoints/kube-dns').body as {
      subsets: { addresses: { ip: string }[] }[];
    };
    expect(ep.subsets[0]?.addresses.map((a) => a.ip).sort()).toEqual([...ips].sort());
    // DaemonSets have one pod per node, the control plane included (they tolerate its taint).
    expect(pods.filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-proxy')).toHaveLength(3);
  });

  it('has the default cluster roles, aggregated, and the controllers own roles', async () => {
    const { cluster } = await freshCluster();
    const roles = new Map(
      list(cluster, '/apis/rbac.authorization.k8s.io/v1/clusterroles').map((r) => [r.metadata.name, r]),
    );
    for (const name of ['cluster-admin', 'admin', 'edit', 'view', 'system:controller:replicaset-controller']) {
      expect(roles.has(name), name).toBe(true);
    }
    for (const name of ['admin', 'edit', 'view']) {
      expect(((roles.get(name) as { rules?: unknown[] }).rules ?? []).length, name).toBeGreaterThan(5);
    }
    const binding = get(cluster, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin');
    expect(binding.status).toBe(200);
  });
});

describe('workloads in the simulated cluster', () => {
  it('brings a Deployment to Ready with pods spread on the workers', async () => {
    const { cluster, clock } = await freshCluster();
    const created = cluster.callApi(ADMIN, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('web'));
    expect(created.status).toBe(201);
    await settle(clock, 10_000);
    const d = get(cluster, '/apis/apps/v1/namespaces/default/deployments/web').body as KubeObject;
    const status = d.status as {
      readyReplicas?: number;
      availableReplicas?: number;
      conditions?: { type: string; status: string }[];
    };
    expect(status.readyReplicas).toBe(2);
    expect(status.availableReplicas).toBe(2);
    expect(status.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
    const pods = list(cluster, '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect((p.spec as { nodeName: string }).nodeName).toMatch(/^paranoid-worker2?$/);
      // The service account admission ran: controllers create pods through the API.
      expect(JSON.stringify(p.spec)).toContain('kube-api-access-');
    }
  });

  it('reports FailedCreate when a privileged Deployment meets Pod Security restricted', async () => {
    const { cluster, clock } = await freshCluster();
    const ns = cluster.callApi(ADMIN, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'locked', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
    expect(ns.status).toBe(201);
    const created = cluster.callApi(
      ADMIN,
      'POST',
      '/apis/apps/v1/namespaces/locked/deployments',
      deployment('root', { securityContext: { privileged: true } }),
    );
    expect(created.status).toBe(201);
    expect(created.headers.warning).toBeDefined();
    await settle(clock, 5000);
    expect(list(cluster, '/api/v1/namespaces/locked/pods')).toHaveLength(0);
    const events = list(cluster, '/api/v1/namespaces/locked/events') as (KubeObject & {
      reason: string;
      message: string;
      involvedObject: { kind: string };
    })[];
    const failed = events.find((e) => e.reason === 'FailedCreate');
    expect(failed?.involvedObject.kind).toBe('ReplicaSet');
    expect(failed?.message).toContain('is forbidden: violates PodSecurity "restricted:latest": privileged');
  });

  it('denies a service account what RBAC does not grant, and allows it once bound', async () => {
    const { cluster } = await freshCluster();
    const sa = get(cluster, '/api/v1/namespaces/default/serviceaccounts/default').body as KubeObject;
    const { token } = cluster.issueServiceAccountToken({ namespace: 'default', serviceAccount: sa });
    const denied = cluster.callApi(token, 'GET', '/api/v1/namespaces/default/secrets');
    expect(denied.status).toBe(403);
    expect((denied.body as { message: string }).message).toBe(
      'secrets is forbidden: User "system:serviceaccount:default:default" cannot list resource "secrets" in API group "" in the namespace "default"',
    );
    cluster.callApi(ADMIN, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'default-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
    });
    expect(cluster.callApi(token, 'GET', '/api/v1/namespaces/default/pods').status).toBe(200);
    expect(cluster.callApi(token, 'GET', '/api/v1/namespaces/default/secrets').status).toBe(403);
  });

  it('execs into a running pod through the runtime', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const options = simulatedClusterOptions({ clock, ids: new SequentialIds(), adminToken: ADMIN });
    const cluster = createCluster(options);
    running.push(cluster);
    cluster.callApi(ADMIN, 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'shell' },
      spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] },
    });
    await settle(clock, 5000);
    const session = options.exec!(
      { namespace: 'default', pod: 'shell', container: '', command: ['id'], stdin: false, tty: false },
      { username: 'kubernetes-admin', groups: ['system:masters'] },
    );
    let out = '';
    let code: number | undefined;
    session.onStdout((d) => {
      out += new TextDecoder().decode(d);
    });
    session.onExit((c) => {
      code = c;
    });
    for (let i = 0; i < 100 && code === undefined; i++) await settle(clock, 50, 50);
    expect(code).toBe(0);
    expect(out).toContain('uid=0(root)');
  });
});

describe('what the assembly adds on top of the modules', () => {
  it('creates pods as the controller service account, so RBAC on that account decides', async () => {
    const { cluster, clock } = await freshCluster();
    const binding = '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/system:controller:replicaset-controller';
    expect(cluster.callApi(ADMIN, 'DELETE', binding).status).toBe(200);
    cluster.callApi(ADMIN, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('web'));
    await settle(clock, 3000);
    expect(list(cluster, '/api/v1/namespaces/default/pods')).toHaveLength(0);
    const failed = (
      list(cluster, '/api/v1/namespaces/default/events') as (KubeObject & { reason: string; message: string })[]
    ).find((e) => e.reason === 'FailedCreate');
    expect(failed?.message).toBe(
      'Error creating: pods is forbidden: User "system:serviceaccount:kube-system:replicaset-controller" cannot create resource "pods" in API group "" in the namespace "default"',
    );
  });

  it('mounts the service account token volume into pods, unless automount is off', async () => {
    const { cluster } = await freshCluster();
    const pod = (name: string, automount?: boolean): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        ...(automount === undefined ? {} : { automountServiceAccountToken: automount }),
        containers: [{ name: 'c', image: 'busybox' }],
      },
    });
    const mounted = cluster.callApi(ADMIN, 'POST', '/api/v1/namespaces/default/pods', pod('a')).body as KubeObject;
    const spec = mounted.spec as {
      volumes: { name: string; projected?: { sources: unknown[] } }[];
      containers: { volumeMounts: { name: string; mountPath: string; readOnly: boolean }[] }[];
    };
    expect(spec.volumes[0]?.name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
    expect(spec.volumes[0]?.projected?.sources).toHaveLength(3);
    expect(spec.containers[0]?.volumeMounts).toEqual([
      { name: spec.volumes[0]?.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
    ]);
    const off = cluster.callApi(ADMIN, 'POST', '/api/v1/namespaces/default/pods', pod('b', false)).body as KubeObject;
    expect((off.spec as { volumes?: unknown[] }).volumes).toBeUndefined();
  });

  it('refuses a pod whose named service account does not exist, as upstream, and its Deployment says why', async () => {
    const { cluster, clock } = await freshCluster();
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'ci' },
      spec: { serviceAccountName: 'builder', containers: [{ name: 'c', image: 'busybox' }] },
    };
    const refused = cluster.callApi(ADMIN, 'POST', '/api/v1/namespaces/default/pods', pod);
    expect(refused.status).toBe(403);
    expect((refused.body as { message: string }).message).toBe(
      'pods "ci" is forbidden: error looking up service account default/builder: serviceaccount "builder" not found',
    );
    const web = deployment('web');
    (web.spec as { template: { spec: Record<string, unknown> } }).template.spec.serviceAccountName = 'builder';
    expect(cluster.callApi(ADMIN, 'POST', '/apis/apps/v1/namespaces/default/deployments', web).status).toBe(201);
    await settle(clock, 3000);
    expect(list(cluster, '/api/v1/namespaces/default/pods').filter((p) => p.metadata.name?.startsWith('web-'))).toEqual(
      [],
    );
    const events = list(cluster, '/api/v1/namespaces/default/events') as (KubeObject & { message?: string })[];
    expect(events.map((e) => e.message ?? '')).toContainEqual(
      expect.stringMatching(/is forbidden: error looking up service account default\/builder/),
    );
    // Once the account exists, the same pod is admitted (the default account never is refused).
    cluster.callApi(ADMIN, 'POST', '/api/v1/namespaces/default/serviceaccounts', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'builder' },
    });
    expect(cluster.callApi(ADMIN, 'POST', '/api/v1/namespaces/default/pods', pod).status).toBe(201);
  });

  it('defaults hostPort for hostNetwork Pods but not in workload templates', async () => {
    const { cluster } = await freshCluster();
    const hostNet = deployment('agent', { ports: [{ containerPort: 9100 }] });
    (hostNet.spec as { template: { spec: Record<string, unknown> } }).template.spec.hostNetwork = true;
    const d = cluster.callApi(ADMIN, 'POST', '/apis/apps/v1/namespaces/default/deployments', hostNet)
      .body as KubeObject;
    expect(JSON.stringify(d.spec)).not.toContain('hostPort');
    const p = cluster.callApi(ADMIN, 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'agent' },
      spec: { hostNetwork: true, containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 9100 }] }] },
    }).body as KubeObject;
    expect((p.spec as { containers: { ports: { hostPort?: number }[] }[] }).containers[0]?.ports[0]?.hostPort).toBe(
      9100,
    );
  });

  it('lets a NodePort Service become ClusterIP, dropping what only NodePorts use', async () => {
    const { cluster } = await freshCluster();
    const path = '/api/v1/namespaces/default/services';
    const created = cluster.callApi(ADMIN, 'POST', path, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'open' },
      spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 443, targetPort: 8443, nodePort: 31337 }] },
    }).body as KubeObject;
    expect((created.spec as { externalTrafficPolicy?: string }).externalTrafficPolicy).toBe('Cluster');
    const patched = cluster.callApi(
      ADMIN,
      'PATCH',
      `${path}/open`,
      { spec: { type: 'ClusterIP' } },
      { 'content-type': 'application/strategic-merge-patch+json' },
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const spec = (patched.body as KubeObject).spec as {
      externalTrafficPolicy?: string;
      ports: { nodePort?: number }[];
    };
    expect(spec.externalTrafficPolicy).toBeUndefined();
    expect(spec.ports[0]?.nodePort).toBeUndefined();
  });

  it('accepts a ValidatingAdmissionPolicy naming resources under strict field validation, and still refuses unknown fields', async () => {
    const { cluster } = await freshCluster();
    const path = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies?fieldValidation=Strict';
    const policy = (extra: Record<string, unknown> = {}): KubeObject => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: extra.bogus ? 'bad' : 'good' },
      spec: {
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: '*', ...extra },
          ],
        },
        validations: [{ expression: 'true' }],
      },
    });
    const ok = cluster.callApi(ADMIN, 'POST', path, policy());
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const bad = cluster.callApi(ADMIN, 'POST', path, policy({ bogus: 1 }));
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toContain(
      'unknown field "spec.matchConstraints.resourceRules[0].bogus"',
    );
    expect((bad.body as { message: string }).message).not.toContain('resources');
  });

  it('defaults limits from a LimitRange, counts them in a ResourceQuota and refuses what exceeds it', async () => {
    const { cluster, clock } = await freshCluster();
    const ns = '/api/v1/namespaces/default';
    cluster.callApi(ADMIN, 'POST', `${ns}/limitranges`, {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'defaults' },
      spec: { limits: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '250m' } }] },
    });
    cluster.callApi(ADMIN, 'POST', `${ns}/resourcequotas`, {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'small' },
      spec: { hard: { pods: '1' } },
    });
    const pod = (name: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] },
    });
    const first = cluster.callApi(ADMIN, 'POST', `${ns}/pods`, pod('one'));
    expect(first.status).toBe(201);
    const resources = ((first.body as KubeObject).spec as { containers: { resources: unknown }[] }).containers[0]
      ?.resources;
    expect(resources).toEqual({ limits: { cpu: '500m' }, requests: { cpu: '250m' } });
    await settle(clock, 1000);
    const quota = get(cluster, `${ns}/resourcequotas/small`).body as KubeObject;
    expect((quota.status as { used?: Record<string, string> }).used).toEqual({ pods: '1' });
    const second = cluster.callApi(ADMIN, 'POST', `${ns}/pods`, pod('two'));
    expect(second.status).toBe(403);
    expect((second.body as { message: string }).message).toBe(
      'pods "two" is forbidden: exceeded quota: small, requested: pods=1, used: pods=1, limited: pods=1',
    );
  });

  it('refuses a service account granting permissions it does not hold', async () => {
    const { cluster } = await freshCluster();
    const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces/default';
    cluster.callApi(ADMIN, 'POST', `${rbac}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'binder' },
      rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create'] }],
    });
    cluster.callApi(ADMIN, 'POST', `${rbac}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'default-binder' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'binder' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
    });
    const sa = get(cluster, '/api/v1/namespaces/default/serviceaccounts/default').body as KubeObject;
    const { token } = cluster.issueServiceAccountToken({ namespace: 'default', serviceAccount: sa });
    const grab = cluster.callApi(token, 'POST', `${rbac}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'grab-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
    });
    expect(grab.status).toBe(403);
    expect((grab.body as { message: string }).message).toContain(
      'user "system:serviceaccount:default:default" (groups=["system:serviceaccounts" "system:serviceaccounts:default" "system:authenticated"]) is attempting to grant RBAC permissions not currently held',
    );
  });
});
