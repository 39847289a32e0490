import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import type { ObjectStore } from '../store.ts';
import { parseIPv4 } from './ip.ts';
import type { InternetHost, NetworkObjects, NetworkOptions } from './types.ts';

/** A pod as the network sees it. */
export interface PodInfo {
  pod: Pod;
  namespace: string;
  name: string;
  /** `namespace/name` */
  key: string;
  labels: Record<string, string>;
  namespaceLabels: Record<string, string>;
  /** Its address: status.podIP, or its node's InternalIP for hostNetwork pods. */
  ip?: string;
  /** hostNetwork under the `node` model: the pod is its node as far as policy goes. */
  asNode: boolean;
  nodeName?: string;
  /** Not finished (Succeeded/Failed): it has a network namespace that answers. */
  running: boolean;
  /** Running, Ready and not terminating: kube-proxy sends it Service traffic. */
  ready: boolean;
}

/** A node as the network sees it: its name and internal IP. */
export interface NodeInfo {
  node: Node;
  name: string;
  ip?: string;
}

/** Options with their defaults filled in. */
export interface ResolvedOptions {
  internet: InternetHost[];
  ipBlockMatchesPods: boolean;
  hostNetwork: 'node' | 'pod';
  allowNodeToLocalPods: boolean;
  listening?: NetworkOptions['listening'];
  metadata: boolean;
  internetClientIp: string;
  clusterDomain: string;
}

/** Everything indexed once, so each question is a few map lookups. */
export interface Topology {
  options: ResolvedOptions;
  pods: PodInfo[];
  podByKey: Map<string, PodInfo>;
  /** Pod IPs of pods with their own network namespace (not hostNetwork). */
  podByIp: Map<string, PodInfo>;
  nodes: NodeInfo[];
  nodeByName: Map<string, NodeInfo>;
  nodeByIp: Map<string, NodeInfo>;
  services: Service[];
  serviceByKey: Map<string, Service>;
  namespaceLabels: Map<string, Record<string, string>>;
  /** NetworkPolicies per namespace, sorted by name. */
  policiesByNamespace: Map<string, NetworkPolicy[]>;
  objects: NetworkObjects;
}

/** The address of the simulated cloud's instance metadata service, as on a cloud VM. */
export const METADATA_IP = '169.254.169.254';

/** Fills in the network options' defaults. */
export function resolveOptions(options: NetworkOptions = {}): ResolvedOptions {
  return {
    internet: options.internet ?? [],
    ipBlockMatchesPods: options.ipBlockMatchesPods ?? true,
    hostNetwork: options.hostNetwork ?? 'node',
    allowNodeToLocalPods: options.allowNodeToLocalPods ?? true,
    ...(options.listening ? { listening: options.listening } : {}),
    metadata: options.metadata ?? true,
    internetClientIp: options.internetClientIp ?? '203.0.113.10',
    clusterDomain: options.clusterDomain ?? 'cluster.local',
  };
}

const byNamespaceThenName = <T extends { metadata?: { namespace?: string; name?: string } }>(a: T, b: T): number =>
  (a.metadata?.namespace ?? '').localeCompare(b.metadata?.namespace ?? '') ||
  (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');

/** The namespace's labels, with `kubernetes.io/metadata.name` as the apiserver always sets it. */
function namespaceLabelsOf(name: string, labels: Record<string, string> | undefined): Record<string, string> {
  return { 'kubernetes.io/metadata.name': name, ...(labels ?? {}) };
}

/** A node's InternalIP address, where NodePorts and host-network pods listen. */
export function nodeInternalIp(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

function isReady(pod: Pod): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  // A pod whose kubelet never wrote conditions is taken as ready once Running.
  return ready ? ready.status === 'True' : true;
}

/** Indexes the objects once; every question about one snapshot can share the result. */
export function topologyOf(objects: NetworkObjects, options: NetworkOptions = {}): Topology {
  return buildTopology(objects, resolveOptions(options));
}

/** Indexes a cluster's pods, services, nodes and namespaces for the network queries. */
export function buildTopology(objects: NetworkObjects, options: ResolvedOptions): Topology {
  const namespaceLabels = new Map<string, Record<string, string>>();
  for (const ns of objects.namespaces ?? []) {
    const name = ns.metadata?.name ?? '';
    namespaceLabels.set(name, namespaceLabelsOf(name, ns.metadata?.labels));
  }
  const nodes: NodeInfo[] = [...(objects.nodes ?? [])].sort(byNamespaceThenName).map((node) => {
    const ip = nodeInternalIp(node);
    return { node, name: node.metadata?.name ?? '', ...(ip ? { ip } : {}) };
  });
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));
  const nodeByIp = new Map<string, NodeInfo>();
  for (const n of nodes) if (n.ip) nodeByIp.set(n.ip, n);

  const pods: PodInfo[] = [];
  const podByKey = new Map<string, PodInfo>();
  const podByIp = new Map<string, PodInfo>();
  for (const pod of [...(objects.pods ?? [])].sort(byNamespaceThenName)) {
    const namespace = pod.metadata?.namespace || 'default';
    const name = pod.metadata?.name ?? '';
    if (!namespaceLabels.has(namespace)) namespaceLabels.set(namespace, namespaceLabelsOf(namespace, undefined));
    const hostNetwork = pod.spec?.hostNetwork === true;
    const asNode = hostNetwork && options.hostNetwork === 'node';
    const nodeName = pod.spec?.nodeName;
    const ip = hostNetwork
      ? (pod.status?.podIP ?? pod.status?.hostIP ?? (nodeName ? nodeByName.get(nodeName)?.ip : undefined))
      : (pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip);
    const phase = pod.status?.phase;
    // A terminating pod still answers on its IP through its grace period; it only leaves the endpoints.
    const running = phase !== 'Succeeded' && phase !== 'Failed';
    const info: PodInfo = {
      pod,
      namespace,
      name,
      key: `${namespace}/${name}`,
      labels: pod.metadata?.labels ?? {},
      namespaceLabels: namespaceLabels.get(namespace)!,
      ...(ip ? { ip } : {}),
      asNode,
      ...(nodeName ? { nodeName } : {}),
      running,
      ready: running && !pod.metadata?.deletionTimestamp && phase === 'Running' && isReady(pod),
    };
    pods.push(info);
    podByKey.set(info.key, info);
    if (ip && !hostNetwork && parseIPv4(ip) !== undefined && (running || !podByIp.has(ip))) podByIp.set(ip, info);
  }

  const services = [...(objects.services ?? [])].sort(byNamespaceThenName);
  const serviceByKey = new Map(services.map((s) => [`${s.metadata?.namespace || 'default'}/${s.metadata?.name}`, s]));

  const policiesByNamespace = new Map<string, NetworkPolicy[]>();
  for (const policy of [...(objects.networkPolicies ?? [])].sort(byNamespaceThenName)) {
    const ns = policy.metadata?.namespace || 'default';
    const list = policiesByNamespace.get(ns) ?? [];
    list.push(policy);
    policiesByNamespace.set(ns, list);
  }

  return {
    options,
    pods,
    podByKey,
    podByIp,
    nodes,
    nodeByName,
    nodeByIp,
    services,
    serviceByKey,
    namespaceLabels,
    policiesByNamespace,
    objects,
  };
}

const KIND_TO_FIELD: Record<string, keyof NetworkObjects> = {
  Namespace: 'namespaces',
  Pod: 'pods',
  Service: 'services',
  EndpointSlice: 'endpointSlices',
  Endpoints: 'endpoints',
  NetworkPolicy: 'networkPolicies',
  Node: 'nodes',
  Ingress: 'ingresses',
};

/** Sorts a flat list of objects into {@link NetworkObjects}; other kinds are ignored. */
export function groupNetworkObjects(objects: Iterable<KubeObject>): NetworkObjects {
  const out: Record<string, KubeObject[]> = {};
  for (const object of objects) {
    const field = KIND_TO_FIELD[object.kind];
    if (!field) continue;
    out[field] ??= [];
    out[field].push(object);
  }
  return out as unknown as NetworkObjects;
}

/** Reads the network's objects out of a store: a consistent snapshot for one question. */
export function networkObjectsFromStore(store: ObjectStore): NetworkObjects {
  const list = (group: string, resource: string) => store.list({ group, resource }) as unknown[];
  return {
    namespaces: list('', 'namespaces'),
    pods: list('', 'pods'),
    services: list('', 'services'),
    endpointSlices: list('discovery.k8s.io', 'endpointslices'),
    endpoints: list('', 'endpoints'),
    networkPolicies: list('networking.k8s.io', 'networkpolicies'),
    nodes: list('', 'nodes'),
    ingresses: list('networking.k8s.io', 'ingresses'),
  } as NetworkObjects;
}
