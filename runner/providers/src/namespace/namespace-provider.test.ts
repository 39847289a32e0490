import type { KubeObject } from '@paranoid/k8s/object.ts';
import { KubeApiError, KubeClient } from '@paranoid/kube/client.ts';
import { openExecStream } from '@paranoid/kube/exec-stream.ts';
import { kubeconfigYaml } from '@paranoid/kube/kubeconfig.ts';
import { parseManifests } from '@paranoid/kube/manifests.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimHostCluster, startSimHostCluster, typeInShell } from '../testing/sim-host-cluster.ts';
import { NamespaceProvider } from './namespace-provider.ts';
import { reapNamespaces } from './reaper.ts';

/**
 * The namespace provider against a simulated cluster acting as the host: the simulator
 * enforces RBAC, Pod Security admission, ResourceQuota, LimitRange and NetworkPolicy as
 * the API server and a policy-enforcing network do, so every refusal below is the host's.
 */

const SETUP = parseManifests(`
apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      securityContext: { runAsNonRoot: true, runAsUser: 101, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: web
          image: nginx:1.27
          ports: [{ containerPort: 80 }]
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: 80 }]
`) as unknown as KubeObject[];

const TOOLBOX_IMAGE = 'bitnami/kubectl:1.32.3';

let hostCluster: SimHostCluster;
let admin: KubeClient;
let provider: NamespaceProvider;
const now = 1_000_000;

beforeAll(async () => {
  hostCluster = await startSimHostCluster();
  admin = hostCluster.admin;
  provider = new NamespaceProvider({
    hostKubeconfig: hostCluster.kubeconfig,
    ttlMs: 60 * 60_000,
    toolboxImage: TOOLBOX_IMAGE,
    owner: 'runner-a.1.abc123',
    now: () => now,
    readyTimeoutMs: 30_000,
    scenario: async (id) =>
      id === 'fits'
        ? { runsInNamespace: { namespace: 'shop', podSecurity: 'restricted' }, setup: SETUP }
        : id === 'needs-a-node'
          ? { setup: [] }
          : undefined,
  });
}, 60_000);

afterAll(async () => {
  await provider?.dispose();
  await hostCluster?.close();
});

/** Runs a command line in a session's toolbox through its login shell, as the learner types it. */
const typeInToolbox = (namespace: string, line: string) =>
  typeInShell(() => provider.openShell(namespace, { cols: 200, rows: 50 }), line);

const status = async (p: Promise<unknown>) => {
  try {
    await p;
    return 200;
  } catch (error) {
    return error instanceof KubeApiError ? error.code : -1;
  }
};

describe('the namespace provider on a simulated host cluster', () => {
  let a: Awaited<ReturnType<NamespaceProvider['create']>>;
  let b: Awaited<ReturnType<NamespaceProvider['create']>>;
  let learnerA: KubeClient;

  beforeAll(async () => {
    a = await provider.create({ sessionId: 'aaaa1', scenarioId: 'fits' });
    b = await provider.create({ sessionId: 'bbbb2', scenarioId: 'fits' });
    learnerA = new KubeClient(a.learnerKubeconfig ?? '');
  }, 90_000);

  afterAll(() => learnerA?.close());

  it("fences each learner's namespace: Pod Security restricted, a quota, limits, default-deny policies, a confined ServiceAccount", async () => {
    expect(a.id).toBe('paranoid-aaaa1');
    expect(a.namespaces).toEqual({ shop: 'paranoid-aaaa1' });
    const ns = (await admin.send('GET', '/api/v1/namespaces/paranoid-aaaa1')) as KubeObject;
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'paranoid.dev/managed-by': 'paranoid-namespace',
      'paranoid.dev/session': 'aaaa1',
    });
    const names = async (path: string) =>
      ((await admin.send('GET', path)) as { items: KubeObject[] }).items.map((o) => o.metadata.name).sort();
    expect(await names('/api/v1/namespaces/paranoid-aaaa1/resourcequotas')).toEqual(['paranoid-quota']);
    expect(await names('/api/v1/namespaces/paranoid-aaaa1/limitranges')).toEqual(['paranoid-limits']);
    expect(await names('/apis/networking.k8s.io/v1/namespaces/paranoid-aaaa1/networkpolicies')).toEqual(
      expect.arrayContaining(['paranoid-default-deny', 'paranoid-dns', 'paranoid-same-namespace']),
    );
    // The scenario's setup moved into the learner's namespace; the toolbox runs beside it.
    const pods = ((await admin.send('GET', '/api/v1/namespaces/paranoid-aaaa1/pods')) as { items: KubeObject[] }).items;
    expect(pods.map((p) => p.metadata.name)).toEqual(expect.arrayContaining(['toolbox']));
    expect(pods.some((p) => p.metadata.name?.startsWith('web-'))).toBe(true);
  });

  it("lets learner A work in their own namespace but not list, read or exec into learner B's", async () => {
    expect(await status(learnerA.send('GET', '/api/v1/namespaces/paranoid-aaaa1/pods'))).toBe(200);
    expect(await status(learnerA.send('GET', '/api/v1/namespaces/paranoid-bbbb2/pods'))).toBe(403);
    expect(await status(learnerA.send('GET', '/api/v1/namespaces/paranoid-bbbb2/secrets'))).toBe(403);
    expect(await status(learnerA.send('GET', '/api/v1/namespaces'))).toBe(403);
    expect(await status(learnerA.send('GET', '/api/v1/nodes'))).toBe(403);
    await expect(
      openExecStream(learnerA, {
        namespace: 'paranoid-bbbb2',
        pod: 'toolbox',
        command: ['sh'],
        size: { cols: 80, rows: 24 },
      }),
    ).rejects.toThrow(/failed to exec in paranoid-bbbb2\/toolbox: .*forbidden/);
  });

  it("gives the learner a shell in their toolbox whose kubectl sees their namespace and is refused B's", async () => {
    const own = await typeInToolbox(a.id, 'kubectl get pods');
    expect(own).toMatch(/toolbox\s+1\/1\s+Running/);
    expect(own).toContain('__done 0');
    const other = await typeInToolbox(a.id, 'kubectl get pods -n paranoid-bbbb2');
    expect(other).toContain(
      'pods is forbidden: User "system:serviceaccount:paranoid-aaaa1:learner" cannot list resource "pods" in API group "" in the namespace "paranoid-bbbb2"',
    );
    expect(other).toMatch(/__done 1/);
  });

  it("lets a learner's pods reach their own namespace's Service and not B's", async () => {
    // A pod the learner makes with the network tools the toolbox image lacks, as they may.
    const probe = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'probe', namespace: 'paranoid-aaaa1' },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'c',
            image: 'nicolaka/netshoot:v0.13',
            command: ['sleep', '3600'],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            resources: { limits: { cpu: '100m', memory: '32Mi' } },
          },
        ],
      },
    };
    expect((await learnerA.raw('POST', '/api/v1/namespaces/paranoid-aaaa1/pods', probe)).status).toBe(201);
    for (let i = 0; i < 100; i++) {
      const p = (await learnerA.send('GET', '/api/v1/namespaces/paranoid-aaaa1/pods/probe')) as {
        status?: { phase?: string };
      };
      if (p.status?.phase === 'Running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const wget = (url: string) =>
      learnerA.exec({
        namespace: 'paranoid-aaaa1',
        pod: 'probe',
        command: ['wget', '-T', '2', '-q', '-O', '/tmp/page', url],
        timeoutMs: 10_000,
      });
    expect((await wget('http://web.paranoid-aaaa1.svc.cluster.local/')).exitCode).toBe(0);
    const other = await wget('http://web.paranoid-bbbb2.svc.cluster.local/');
    expect(other.stderr).toContain('wget: download timed out');
    expect(other.exitCode).not.toBe(0);
    // Gone before the quota test counts pods.
    await learnerA.send('DELETE', '/api/v1/namespaces/paranoid-aaaa1/pods/probe', { gracePeriodSeconds: 0 });
    for (
      let i = 0;
      i < 100 && (await learnerA.raw('GET', '/api/v1/namespaces/paranoid-aaaa1/pods/probe')).status !== 404;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('refuses a privileged pod from the learner', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'root', namespace: 'paranoid-aaaa1' },
      spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] },
    };
    const r = await learnerA.raw('POST', '/api/v1/namespaces/paranoid-aaaa1/pods', pod);
    expect(r.status).toBe(403);
    expect((r.body as { message: string }).message).toContain(
      'pods "root" is forbidden: violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true)',
    );
  });

  it('keeps the learner inside the quota, and the quota, limits and policies out of their reach', async () => {
    const pod = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'paranoid-aaaa1' },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'c',
            image: 'busybox',
            command: ['sleep', '3600'],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            resources: { limits: { cpu: '100m', memory: '32Mi' } },
          },
        ],
      },
    });
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) {
      codes.push((await learnerA.raw('POST', '/api/v1/namespaces/paranoid-aaaa1/pods', pod(`p${i}`))).status);
    }
    // The toolbox and the web pod already count: 8 more fit under pods: 10.
    expect(codes.filter((c) => c === 201)).toHaveLength(8);
    const refused = await learnerA.raw('POST', '/api/v1/namespaces/paranoid-aaaa1/pods', pod('p99'));
    expect(refused.status).toBe(403);
    expect((refused.body as { message: string }).message).toContain(
      'pods "p99" is forbidden: exceeded quota: paranoid-quota, requested: pods=1, used: pods=10, limited: pods=10',
    );
    expect(
      await status(learnerA.send('DELETE', '/api/v1/namespaces/paranoid-aaaa1/resourcequotas/paranoid-quota')),
    ).toBe(403);
    expect(await status(learnerA.send('DELETE', '/api/v1/namespaces/paranoid-aaaa1/limitranges/paranoid-limits'))).toBe(
      403,
    );
    expect(
      await status(
        learnerA.send(
          'DELETE',
          '/apis/networking.k8s.io/v1/namespaces/paranoid-aaaa1/networkpolicies/paranoid-default-deny',
        ),
      ),
    ).toBe(403);
    // Nor can a Role they write give them more than they hold.
    const escalate = await learnerA.raw(
      'POST',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/paranoid-aaaa1/rolebindings',
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'me-admin', namespace: 'paranoid-aaaa1' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'learner', namespace: 'paranoid-aaaa1' }],
      },
    );
    expect(escalate.status).toBe(403);
  });

  it('leaves nothing of a session once it is deleted', async () => {
    await provider.delete(b.id);
    expect((await admin.raw('GET', '/api/v1/namespaces/paranoid-bbbb2')).status).toBe(404);
    for (const path of [
      '/api/v1/pods',
      '/api/v1/services',
      '/api/v1/serviceaccounts',
      '/api/v1/resourcequotas',
      '/apis/rbac.authorization.k8s.io/v1/rolebindings',
      '/apis/networking.k8s.io/v1/networkpolicies',
      '/apis/apps/v1/deployments',
    ]) {
      const list = (await admin.send('GET', `${path}?labelSelector=paranoid.dev%2Fsession%3Dbbbb2`)) as {
        items: KubeObject[];
      };
      expect({ path, left: list.items.length }).toEqual({ path, left: 0 });
      const anywhere = (await admin.send('GET', path)) as { items: KubeObject[] };
      expect(anywhere.items.filter((o) => o.metadata.namespace === 'paranoid-bbbb2')).toEqual([]);
    }
    expect((await provider.list()).map((s) => s.sessionId)).toEqual(['aaaa1']);
  });
});

describe('the namespace provider refuses and reaps', () => {
  it('refuses a scenario that does not declare runsInNamespace, naming why', async () => {
    await expect(provider.create({ sessionId: 'cccc3', scenarioId: 'needs-a-node' })).rejects.toThrow(
      'failed to create a namespace for needs-a-node: the scenario needs more than one namespace of a shared cluster (it declares no runsInNamespace)',
    );
    expect((await admin.raw('GET', '/api/v1/namespaces/paranoid-cccc3')).status).toBe(404);
  });

  it('reaps namespaces past their expiry and those of a runner that is gone, never a live one', async () => {
    const live = await provider.create({ sessionId: 'dddd4' });
    const old = await provider.create({ sessionId: 'eeee5' });
    // A namespace a stopped runner left: it was made by an owner that no longer runs.
    const stranger = new NamespaceProvider({
      hostKubeconfig: kubeconfigYaml({ server: admin.server.replace(/\/$/, ''), token: '' }),
      ttlMs: 1,
      toolboxImage: TOOLBOX_IMAGE,
      owner: 'gone.2.def456',
      scenario: async () => undefined,
    });
    expect(stranger.info().name).toBe('namespace');
    const first = await reapNamespaces({
      client: admin,
      now,
      owner: 'runner-a.1.abc123',
      isActive: (s) => s === 'dddd4' || s === 'eeee5' || s === 'aaaa1',
      ownerMayBeAlive: () => true,
    });
    expect(first.deleted).toEqual([]);
    // An hour and a minute later the TTL has passed for every session of this runner.
    const later = await reapNamespaces({
      client: admin,
      now: now + 61 * 60_000,
      owner: 'other-runner.3.aaa111',
      isActive: () => false,
      ownerMayBeAlive: () => true,
    });
    expect(later.deleted.sort()).toEqual(['paranoid-aaaa1', live.id, old.id].sort());
    expect(await provider.list()).toEqual([]);
  }, 60_000);
});
