import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import { StatusError } from '@paranoid/k8s/status.ts';
import type { Clock, IdSource } from '../clock.ts';
import { rfc3339 } from '../controllers/meta.ts';
import { R } from '../controllers/resources.ts';
import { rootCaConfigMap } from '../controllers/service-account.ts';
import { applyDefaults } from '../defaults/apply-defaults.ts';
import type { ObjectStore } from '../store.ts';
import {
  corednsDeployment,
  KUBE_SYSTEM_SERVICE_ACCOUNTS,
  kindnetDaemonSet,
  kubeDnsService,
  kubeProxyDaemonSet,
  kubernetesService,
  localPathStorage,
  priorityClasses,
} from './addons.ts';
import { clusterConfigMaps } from './config-maps.ts';
import { controlPlanePods } from './control-plane.ts';
import { kindNode, nodeLease } from './nodes.ts';
import { nodeIP, nodeNames } from './versions.ts';

export { KUBERNETES_VERSION, nodeNames } from './versions.ts';

/** Where bootstrap writes a new cluster's objects and the clock and ids it stamps them with. */
export interface BootstrapContext {
  store: ObjectStore;
  clock: Clock;
  ids: IdSource;
}

/** How a new cluster is named, which names its kind-style nodes. */
export interface BootstrapOptions {
  /** The kind cluster name: nodes are `<name>-control-plane`, `<name>-worker`, `<name>-worker2`. Default `paranoid`. */
  name?: string;
}

/** The namespaces a fresh kind cluster has. */
export const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system', 'local-path-storage'];

const RESOURCE_OF: Record<string, GroupResource> = {
  '/Namespace': R.namespaces,
  '/Node': R.nodes,
  '/Pod': R.pods,
  '/Service': R.services,
  '/Endpoints': R.endpoints,
  '/ConfigMap': R.configmaps,
  '/ServiceAccount': R.serviceaccounts,
  'apps/Deployment': R.deployments,
  'apps/DaemonSet': R.daemonsets,
  'discovery.k8s.io/EndpointSlice': R.endpointslices,
  'coordination.k8s.io/Lease': R.leases,
  'storage.k8s.io/StorageClass': { group: 'storage.k8s.io', resource: 'storageclasses' },
  'scheduling.k8s.io/PriorityClass': { group: 'scheduling.k8s.io', resource: 'priorityclasses' },
};

/**
 * Makes a fresh cluster look like a fresh kind cluster (kind v0.26, Kubernetes
 * v1.32): namespaces, three nodes (a tainted control plane and two workers)
 * with leases, the control plane's static pods, kube-proxy and kindnet
 * DaemonSets, CoreDNS behind kube-dns, the `kubernetes` Service, the
 * local-path provisioner with StorageClass `standard`, kubeadm's ConfigMaps and
 * kube-system's service accounts. RBAC objects come from the RBAC bootstrap.
 *
 * Pods of DaemonSets and Deployments are not written here: the controllers
 * make them, as in a real cluster. Objects that already exist are left alone,
 * so running it twice is harmless.
 */
export function bootstrapCluster(ctx: BootstrapContext, options: BootstrapOptions = {}): void {
  const cluster = options.name ?? 'paranoid';
  const { store, clock, ids } = ctx;
  const now = rfc3339(clock.now());
  const put = (obj: KubeObject): KubeObject | undefined => {
    const group = obj.apiVersion.includes('/') ? obj.apiVersion.slice(0, obj.apiVersion.indexOf('/')) : '';
    const resource = RESOURCE_OF[`${group}/${obj.kind}`];
    if (!resource) throw new Error(`failed to bootstrap ${obj.kind}: no resource known`);
    const existing = store.get(resource, obj.metadata.namespace, obj.metadata.name ?? '');
    if (existing) return existing;
    try {
      return store.create(resource, applyDefaults(obj));
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'AlreadyExists') return undefined;
      throw new Error(
        `failed to bootstrap ${obj.kind} ${obj.metadata.name}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  };

  for (const name of SYSTEM_NAMESPACES) {
    put({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    put({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } });
    put(rootCaConfigMap(name));
  }
  for (const pc of priorityClasses()) put(pc);

  const { controlPlane, workers } = nodeNames(cluster);
  const nodes = [controlPlane, ...workers].map((name, index) =>
    put(kindNode({ cluster, name, index, controlPlane: index === 0, now, uid: () => ids.uid() })),
  );
  for (const node of nodes) if (node) put(nodeLease(node, now));
  const cp = nodes[0];
  if (cp) for (const pod of controlPlanePods(cluster, cp, nodeIP(0), now)) put(pod);

  for (const sa of KUBE_SYSTEM_SERVICE_ACCOUNTS) {
    put({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: 'kube-system' } });
  }
  for (const m of clusterConfigMaps(cluster, now)) put(m);
  for (const o of kubernetesService()) put(o);
  put(kubeDnsService());
  put(kubeProxyDaemonSet());
  put(kindnetDaemonSet(cluster));
  put(corednsDeployment());
  for (const o of localPathStorage()) put(o);
  for (const holder of ['kube-controller-manager', 'kube-scheduler']) {
    put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: holder, namespace: 'kube-system' },
      spec: {
        acquireTime: now.replace('Z', '.000000Z'),
        holderIdentity: `${controlPlane}_${ids.uid()}`,
        leaseDurationSeconds: 15,
        leaseTransitions: 0,
        renewTime: now.replace('Z', '.000000Z'),
      },
    });
  }
}
