import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import { disjointRanges, formatIPv4, formatRange, type IpRange, parseCidr, subtractRanges } from './ip.ts';
import { createPolicyIndex, type Direction, directionPorts, type PolicyEndpoint } from './policy.ts';
import { formatPortSet, intersect, isEmpty, type PortSet } from './port-set.ts';
import { buildTopology, resolveOptions } from './topology.ts';
import type { NetworkObjects, NetworkOptions } from './types.ts';

/** The np-guard analyzer's model of a cluster, as {@link NetworkOptions}. */
export const ANALYZER_OPTIONS: NetworkOptions = {
  ipBlockMatchesPods: false,
  hostNetwork: 'pod',
  allowNodeToLocalPods: false,
};

/** A pod, or a range of outside addresses that every policy treats alike. */
export type ConnlistPeer = { kind: 'pod'; namespace: string; name: string } | { kind: 'range'; range: string };

/** One allowed flow of the connectivity list: which peers may talk and on which ports. */
export interface ConnlistEntry {
  from: ConnlistPeer;
  to: ConnlistPeer;
  /** `All Connections` or `SCTP 7070,TCP 8080-8081,UDP 9090`. */
  connections: string;
  ports: PortSet;
}

/** The ipBlock CIDRs and excepts of every rule of one direction. */
function directionCidrs(policies: NetworkPolicy[], direction: Direction): IpRange[] {
  const out: IpRange[] = [];
  for (const policy of policies) {
    const rules = (direction === 'ingress' ? policy.spec?.ingress : policy.spec?.egress) ?? [];
    for (const rule of rules) {
      const peers = 'from' in rule ? rule.from : 'to' in rule ? (rule as { to?: unknown[] }).to : undefined;
      for (const peer of (peers ?? []) as Array<{ ipBlock?: { cidr: string; except?: string[] } }>) {
        if (!peer.ipBlock) continue;
        // The block's own address set decides where ranges split: two excepts that touch
        // (10.0.0.0/9, 10.128.0.0/9) leave one hole, not two.
        const base = parseCidr(peer.ipBlock.cidr);
        if (!base) continue;
        const except = (peer.ipBlock.except ?? []).map(parseCidr).filter((r): r is IpRange => r !== undefined);
        out.push(...subtractRanges(base, except));
      }
    }
  }
  return out;
}

/**
 * Every allowed ordered pair among the pods, and between each pod and each
 * outside address range, in the np-guard connlist analyzer's model: ipBlocks
 * never match pods, hostNetwork pods are ordinary pods, and the outside world is
 * cut into ranges by the policies' CIDRs (ingress and egress separately).
 * Pairs with no connection at all are left out, as is a pod to itself.
 */
export function analyzerConnlist(objects: NetworkObjects, options: NetworkOptions = {}): ConnlistEntry[] {
  const topology = buildTopology(objects, resolveOptions({ ...ANALYZER_OPTIONS, ...options }));
  const index = createPolicyIndex(topology);
  const pods = topology.pods.map((pod) => ({ kind: 'pod' as const, pod }));
  const peerOf = (e: { kind: 'pod'; pod: { namespace: string; name: string } }): ConnlistPeer => ({
    kind: 'pod',
    namespace: e.pod.namespace,
    name: e.pod.name,
  });
  const out: ConnlistEntry[] = [];
  const push = (from: ConnlistPeer, to: ConnlistPeer, src: PolicyEndpoint, dst: PolicyEndpoint) => {
    const ports = intersect(directionPorts(index, 'egress', src, dst), directionPorts(index, 'ingress', src, dst));
    if (!isEmpty(ports)) out.push({ from, to, connections: formatPortSet(ports), ports });
  };
  for (const src of pods) for (const dst of pods) if (src.pod !== dst.pod) push(peerOf(src), peerOf(dst), src, dst);

  const policies = [...topology.policiesByNamespace.values()].flat();
  for (const range of disjointRanges(directionCidrs(policies, 'ingress'))) {
    const ext: PolicyEndpoint = { kind: 'ip', ip: formatIPv4(range.start), describe: 'external' };
    for (const dst of pods) push({ kind: 'range', range: formatRange(range) }, peerOf(dst), ext, dst);
  }
  for (const range of disjointRanges(directionCidrs(policies, 'egress'))) {
    const ext: PolicyEndpoint = { kind: 'ip', ip: formatIPv4(range.start), describe: 'external' };
    for (const src of pods) push(peerOf(src), { kind: 'range', range: formatRange(range) }, src, ext);
  }
  return out;
}
