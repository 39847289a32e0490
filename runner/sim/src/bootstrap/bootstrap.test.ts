import { describe, expect, it } from 'vitest';
import { R } from '../controllers/resources.ts';
import { harness } from '../controllers/testing/harness.ts';
import type { DeploymentObject, NodeObject, PodObject } from '../controllers/types.ts';
import { bootstrapCluster } from './index.ts';

/** A fresh kind-like cluster with its controllers and kubelet, run until its system pods have started. */
async function fresh(name?: string) {
  const h = harness();
  bootstrapCluster({ store: h.store, clock: h.clock, ids: h.ids }, name ? { name } : {});
  await h.rollForward();
  return h;
}

describe('bootstrapCluster', () => {
  it('creates kind namespaces, each with a default ServiceAccount and kube-root-ca.crt', async () => {
    const { store } = await fresh();
    expect(
      store.list(R.namespaces).map((n) => [n.metadata.name, n.metadata.labels?.['kubernetes.io/metadata.name']]),
    ).toEqual([
      ['default', 'default'],
      ['kube-node-lease', 'kube-node-lease'],
      ['kube-public', 'kube-public'],
      ['kube-system', 'kube-system'],
      ['local-path-storage', 'local-path-storage'],
    ]);
    for (const ns of store.list(R.namespaces)) {
      expect(store.get(R.serviceaccounts, ns.metadata.name, 'default')).toBeDefined();
      expect(store.get(R.configmaps, ns.metadata.name, 'kube-root-ca.crt')).toBeDefined();
    }
  });

  it('registers three nodes as kind does', async () => {
    const { store } = await fresh();
    const nodes = store.list(R.nodes) as NodeObject[];
    expect(nodes.map((n) => n.metadata.name)).toEqual([
      'paranoid-control-plane',
      'paranoid-worker',
      'paranoid-worker2',
    ]);
    expect(nodes.map((n) => n.spec?.podCIDR)).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
    expect(nodes.map((n) => n.status?.addresses?.[0]?.address)).toEqual(['172.18.0.2', '172.18.0.3', '172.18.0.4']);
    const [cp, w] = nodes;
    expect(cp!.metadata.labels).toMatchObject({
      'node-role.kubernetes.io/control-plane': '',
      'kubernetes.io/hostname': 'paranoid-control-plane',
    });
    expect(cp!.spec?.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    expect(w!.spec?.taints).toBeUndefined();
    expect(w!.status?.nodeInfo).toMatchObject({
      kubeletVersion: 'v1.32.2',
      operatingSystem: 'linux',
      architecture: 'amd64',
    });
    expect(w!.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\//);
    expect(w!.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(store.list(R.leases, 'kube-node-lease')).toHaveLength(3);
  });

  it('names nodes after the cluster', async () => {
    const { store } = await fresh('lab');
    expect(store.list(R.nodes).map((n) => n.metadata.name)).toEqual(['lab-control-plane', 'lab-worker', 'lab-worker2']);
  });

  it('runs the control plane as mirror pods and the addons through the controllers', async () => {
    const { store } = await fresh();
    const pods = store.list(R.pods, 'kube-system') as PodObject[];
    const names = pods.map((p) => p.metadata.name);
    for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      expect(names).toContain(`${c}-paranoid-control-plane`);
    }
    const apiserver = pods.find((p) => p.metadata.name === 'kube-apiserver-paranoid-control-plane')!;
    expect(apiserver.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Node',
      name: 'paranoid-control-plane',
      controller: true,
    });
    expect(apiserver.spec.containers[0]!.command).toContain('--authorization-mode=Node,RBAC');
    expect(pods.filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-proxy')).toHaveLength(3);
    expect(pods.filter((p) => p.metadata.labels?.app === 'kindnet')).toHaveLength(3);
    const dns = pods.filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns');
    expect(dns).toHaveLength(2);
    expect(dns.every((p) => p.metadata.name!.startsWith('coredns-') && p.spec.nodeName)).toBe(true);
    expect(store.list(R.pods, 'local-path-storage')).toHaveLength(1);
    const coredns = store.get(R.deployments, 'kube-system', 'coredns') as DeploymentObject;
    expect(coredns.status).toMatchObject({ replicas: 2, availableReplicas: 2, readyReplicas: 2 });
    expect(coredns.spec.template.spec?.containers[0]?.image).toBe('registry.k8s.io/coredns/coredns:v1.11.3');
  });

  it('serves kubernetes and kube-dns with endpoints', async () => {
    const { store } = await fresh();
    expect(store.get(R.services, 'default', 'kubernetes')?.spec).toMatchObject({
      clusterIP: '10.96.0.1',
      ports: [{ port: 443, targetPort: 6443 }],
    });
    expect(store.get(R.endpoints, 'default', 'kubernetes')?.subsets).toEqual([
      { addresses: [{ ip: '172.18.0.2' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] },
    ]);
    const dns = store.get(R.services, 'kube-system', 'kube-dns')!;
    expect((dns.spec as { clusterIP: string }).clusterIP).toBe('10.96.0.10');
    const ep = store.get(R.endpoints, 'kube-system', 'kube-dns') as {
      subsets?: { addresses?: unknown[]; ports?: { name: string }[] }[];
    };
    expect(ep.subsets?.[0]?.addresses).toHaveLength(2);
    expect(ep.subsets?.[0]?.ports?.map((p) => p.name).sort()).toEqual(['dns', 'dns-tcp', 'metrics']);
    for (const cm of ['coredns', 'kube-proxy', 'kubeadm-config', 'kubelet-config'])
      expect(store.get(R.configmaps, 'kube-system', cm)).toBeDefined();
    expect(store.get(R.configmaps, 'kube-public', 'cluster-info')).toBeDefined();
    expect(store.get(R.serviceaccounts, 'kube-system', 'replicaset-controller')).toBeDefined();
  });

  it('is idempotent', async () => {
    const { store, clock, ids } = await fresh();
    const before = store.resourceVersion();
    bootstrapCluster({ store, clock, ids });
    clock.advance(0);
    expect(store.resourceVersion()).toBe(before);
  });
});
