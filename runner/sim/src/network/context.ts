import { createPolicyIndex, type PolicyEndpoint, type PolicyIndex } from './policy.ts';
import { type PodInfo, type Topology, topologyOf } from './topology.ts';
import type { NetworkObjects, NetworkOptions, Peer } from './types.ts';

/** One snapshot of the cluster, indexed, with its policy index: what every question is asked against. */
export interface NetworkContext {
  topology: Topology;
  index: PolicyIndex;
}

/** Builds the network view of a cluster's objects once, for the queries that follow. */
export function contextOf(objects: NetworkObjects, options?: NetworkOptions): NetworkContext {
  const topology = topologyOf(objects, options);
  return { topology, index: createPolicyIndex(topology) };
}

/** How NetworkPolicy sees a pod: itself, or (hostNetwork under the node model) its node's address. */
export function podEndpoint(pod: PodInfo): PolicyEndpoint {
  if (!pod.asNode) return { kind: 'pod', pod };
  return {
    kind: 'ip',
    ip: pod.ip ?? '',
    describe: `hostNetwork pod ${pod.key}`,
    ...(pod.nodeName ? { node: pod.nodeName } : {}),
    hostNetworkPod: pod,
  };
}

/** Where a connection starts (a pod, a node or outside), or why it cannot start there. */
export type SourceResult =
  | { ok: true; endpoint: PolicyEndpoint; pod?: PodInfo; namespace?: string; nodeName?: string }
  | { ok: false; message: string };

/** Where a connection starts, as policy sees it. */
export function sourceOf(ctx: NetworkContext, from: Peer): SourceResult {
  if (from.kind === 'pod') {
    const pod = ctx.topology.podByKey.get(`${from.namespace}/${from.name}`);
    if (!pod) return { ok: false, message: `pod ${from.namespace}/${from.name} not found` };
    if (!pod.ip || !pod.running) return { ok: false, message: `pod ${pod.key} has no IP address (not running)` };
    return {
      ok: true,
      endpoint: podEndpoint(pod),
      pod,
      namespace: pod.namespace,
      ...(pod.nodeName ? { nodeName: pod.nodeName } : {}),
    };
  }
  if (from.kind === 'node') {
    const node = ctx.topology.nodeByName.get(from.name);
    if (!node?.ip) return { ok: false, message: `node ${from.name} not found or has no InternalIP` };
    return {
      ok: true,
      endpoint: { kind: 'ip', ip: node.ip, describe: `node ${node.name}`, node: node.name },
      nodeName: node.name,
    };
  }
  const ip = from.ip ?? ctx.topology.options.internetClientIp;
  return { ok: true, endpoint: { kind: 'ip', ip, describe: 'internet client' } };
}
