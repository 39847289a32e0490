import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { KubeClient } from '@paranoid/kube/client.ts';
import type { Deletion } from '@paranoid/schema/scenario.ts';
import { deleteObjects } from './apply.ts';
import type { LoadedScenario } from './load.ts';

/** The cluster's own namespaces: a reset never deletes them, so a scenario that writes into them cannot be reset. */
const SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

/**
 * Kinds that live outside namespaces. A manifest of another kind without a namespace lands
 * in `default`, which a reset does not delete.
 */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PriorityClass',
  'StorageClass',
  'PersistentVolume',
  'RuntimeClass',
  'IngressClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
  'ClusterImagePolicy',
]);

/** RBAC objects every cluster starts with (the API server's bootstrap policy): a reset cannot restore them. */
const isBootstrapRbac = (o: KubeObject) =>
  (o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding') &&
  (['cluster-admin', 'admin', 'edit', 'view'].includes(o.metadata.name ?? '') ||
    (o.metadata.name ?? '').startsWith('system:') ||
    o.metadata.labels?.['kubernetes.io/bootstrapping'] === 'rbac-defaults');

/** Whether one cluster may run a scenario's cases one after another, reset in between. */
export type ReuseVerdict = { sound: true } | { sound: false; reason: string };

interface PodSpecLike {
  hostPID?: boolean;
  hostNetwork?: boolean;
  hostIPC?: boolean;
  volumes?: { hostPath?: unknown }[];
  containers?: { securityContext?: { privileged?: boolean } }[];
  initContainers?: { securityContext?: { privileged?: boolean } }[];
}

/** Every pod spec inside an object: a Pod's own, a workload's template, a CronJob's job template. */
function podSpecs(object: KubeObject): PodSpecLike[] {
  const found: PodSpecLike[] = [];
  const visit = (node: unknown, key: string): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, '');
      return;
    }
    const record = node as Record<string, unknown>;
    if (key === 'spec' && Array.isArray(record.containers)) found.push(record as PodSpecLike);
    for (const [k, v] of Object.entries(record)) visit(v, k);
  };
  visit(object, '');
  return found;
}

/** What a pod spec can do to its node that deleting its namespace does not undo, or undefined. */
function nodeEffect(spec: PodSpecLike): string | undefined {
  if (spec.hostPID) return 'hostPID';
  if (spec.hostNetwork) return 'hostNetwork';
  if (spec.hostIPC) return 'hostIPC';
  if (spec.volumes?.some((v) => v.hostPath)) return 'a hostPath volume';
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  if (containers.some((c) => c.securityContext?.privileged)) return 'a privileged container';
  return undefined;
}

const describe = (o: KubeObject) =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/**
 * Whether resetting a cluster between cases gives the next case what a fresh cluster
 * would. It does when everything the setup, the solution and the variants touch lives in
 * the scenario's own namespaces or is a cluster-scoped object they name, since those are
 * what a reset deletes. It does not when one of them writes into the cluster's own
 * namespaces or its bootstrap RBAC, or runs a pod that can change its node (a host path, the host's
 * namespaces, privileged): what such a pod leaves on the node outlives any namespace.
 */
export function clusterReuse(loaded: LoadedScenario): ReuseVerdict {
  const changes = [loaded.solution, ...loaded.variants];
  const objects: { object: KubeObject; from: string }[] = [
    ...loaded.setup.map((object) => ({ object, from: 'setup' })),
    ...changes.flatMap((c) => c.manifests.map((object) => ({ object, from: c.name }))),
  ];
  for (const { object, from } of objects) {
    if (object.kind === 'Node') return { sound: false, reason: `${from} changes ${describe(object)}` };
    if (isBootstrapRbac(object)) {
      return {
        sound: false,
        reason: `${from} changes the cluster's own ${describe(object)}, which a reset cannot restore`,
      };
    }
    const namespace = CLUSTER_SCOPED.has(object.kind)
      ? object.kind === 'Namespace'
        ? object.metadata.name
        : undefined
      : (object.metadata.namespace ?? 'default');
    if (namespace && SYSTEM_NAMESPACES.has(namespace)) {
      return {
        sound: false,
        reason: `${from} writes ${describe(object)} into the cluster's own namespace ${namespace}`,
      };
    }
    for (const spec of podSpecs(object)) {
      const effect = nodeEffect(spec);
      if (effect) return { sound: false, reason: `${from}'s ${describe(object)} runs a pod with ${effect}` };
    }
  }
  for (const change of changes) {
    for (const d of change.deletions) {
      const namespace = d.kind === 'Namespace' ? d.name : d.namespace;
      if (namespace && SYSTEM_NAMESPACES.has(namespace)) {
        return {
          sound: false,
          reason: `${change.name} deletes ${d.kind} from the cluster's own namespace ${namespace}`,
        };
      }
    }
  }
  return { sound: true };
}

/**
 * What a reset deletes: every namespace the scenario's objects live in, and every
 * cluster-scoped object its setup, solution and variants name (whichever case ran last).
 */
export function resetDeletions(loaded: LoadedScenario): Deletion[] {
  const objects = [loaded.setup, loaded.solution.manifests, ...loaded.variants.map((v) => v.manifests)].flat();
  const namespaces = new Set<string>();
  const clusterScoped = new Map<string, Deletion>();
  for (const o of objects) {
    if (o.kind === 'Namespace') namespaces.add(o.metadata.name ?? '');
    else if (CLUSTER_SCOPED.has(o.kind)) {
      clusterScoped.set(`${o.apiVersion}/${o.kind}/${o.metadata.name}`, {
        apiVersion: o.apiVersion,
        kind: o.kind,
        name: o.metadata.name ?? '',
      });
    } else if (o.metadata.namespace) namespaces.add(o.metadata.namespace);
  }
  for (const ns of SYSTEM_NAMESPACES) namespaces.delete(ns);
  return [
    ...clusterScoped.values(),
    ...[...namespaces].sort().map((name) => ({ apiVersion: 'v1', kind: 'Namespace', name })),
  ];
}

/**
 * Brings a cluster that ran one of a scenario's cases back to where a fresh cluster
 * starts: the scenario's namespaces and cluster-scoped objects deleted, and gone (a
 * namespace terminates only once everything in it is deleted). Only for scenarios
 * `clusterReuse` calls sound.
 */
export async function resetCluster(client: KubeClient, loaded: LoadedScenario, timeoutMs: number): Promise<void> {
  await deleteObjects(client, resetDeletions(loaded), timeoutMs);
}
