import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from 'kubernetes-types/networking/v1';
import { type IpRange, inRange, parseCidr, parseIPv4 } from './ip.ts';
import { allPortSet, contains, emptyPortSet, type PortSet, type Protocol, portRange, union } from './port-set.ts';
import { formatSelector, matchesSelector } from './selector.ts';
import type { PodInfo, Topology } from './topology.ts';
import type { DirectionVerdict, ObjectRef } from './types.ts';

/**
 * One end of a connection as NetworkPolicy sees it: a pod with its own
 * network identity, or a bare address (a node, a hostNetwork pod under the
 * `node` model, the internet, the metadata endpoint).
 */
export type PolicyEndpoint =
  | { kind: 'pod'; pod: PodInfo }
  | {
      kind: 'ip';
      ip: string;
      /** How messages name it: `node kind-worker`, `internet`. */
      describe: string;
      /** The node it belongs to, for node and hostNetwork-pod addresses. */
      node?: string;
      /** Set when this address is a hostNetwork pod's. */
      hostNetworkPod?: PodInfo;
    };

/** Which side of a connection a NetworkPolicy rule governs. */
export type Direction = 'ingress' | 'egress';

/** Policies selecting each pod per direction, computed once per topology. */
export interface PolicyIndex {
  topology: Topology;
  selected: Map<string, { ingress: NetworkPolicy[]; egress: NetworkPolicy[] }>;
  cidrs: Map<string, IpRange | undefined>;
  rulePorts: WeakMap<object, Map<string, PortSet>>;
  ips: Map<string, number | undefined>;
  /** Shared verdict texts and objects: a matrix repeats the same few thousand times. */
  memo: Map<string, unknown>;
}

function memo<T>(index: PolicyIndex, key: string, make: () => T): T {
  let value = index.memo.get(key) as T | undefined;
  if (value === undefined) {
    value = make();
    index.memo.set(key, value);
  }
  return value;
}

/** Makes an empty cache of policy selections and verdicts over one topology. */
export function createPolicyIndex(topology: Topology): PolicyIndex {
  return { topology, selected: new Map(), cidrs: new Map(), rulePorts: new WeakMap(), ips: new Map(), memo: new Map() };
}

/** `spec.policyTypes`, defaulted as the apiserver does: Ingress always, Egress when egress rules exist. */
export function policyTypes(policy: NetworkPolicy): Array<'Ingress' | 'Egress'> {
  const given = policy.spec?.policyTypes;
  if (given && given.length > 0) return given as Array<'Ingress' | 'Egress'>;
  return (policy.spec?.egress?.length ?? 0) > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** The namespace and name of a NetworkPolicy, for verdicts that say which policy decided. */
export const refOf = (policy: NetworkPolicy): ObjectRef => ({
  namespace: policy.metadata?.namespace || 'default',
  name: policy.metadata?.name ?? '',
});

/** The policies that select `pod` for `direction`, sorted by name; empty means the pod is not isolated. */
export function selectingPolicies(index: PolicyIndex, pod: PodInfo, direction: Direction): NetworkPolicy[] {
  let entry = index.selected.get(pod.key);
  if (!entry) {
    entry = { ingress: [], egress: [] };
    if (!pod.asNode) {
      for (const policy of index.topology.policiesByNamespace.get(pod.namespace) ?? []) {
        if (!matchesSelector(policy.spec?.podSelector ?? {}, pod.labels)) continue;
        const types = policyTypes(policy);
        if (types.includes('Ingress')) entry.ingress.push(policy);
        if (types.includes('Egress')) entry.egress.push(policy);
      }
    }
    index.selected.set(pod.key, entry);
  }
  return entry[direction];
}

function cidr(index: PolicyIndex, text: string): IpRange | undefined {
  if (!index.cidrs.has(text)) index.cidrs.set(text, parseCidr(text));
  return index.cidrs.get(text);
}

function ipBlockMatches(index: PolicyIndex, block: NonNullable<NetworkPolicyPeer['ipBlock']>, ip: string): boolean {
  let value = index.ips.get(ip);
  if (value === undefined && !index.ips.has(ip)) {
    value = parseIPv4(ip);
    index.ips.set(ip, value);
  }
  const range = cidr(index, block.cidr);
  if (value === undefined || !range || !inRange(value, range)) return false;
  return !(block.except ?? []).some((e) => {
    const r = cidr(index, e);
    return r !== undefined && inRange(value, r);
  });
}

/** Whether one `from`/`to` entry of a policy in `policyNamespace` matches the endpoint. */
export function peerMatches(
  index: PolicyIndex,
  policyNamespace: string,
  peer: NetworkPolicyPeer,
  endpoint: PolicyEndpoint,
): boolean {
  if (peer.ipBlock) {
    if (endpoint.kind === 'ip') return ipBlockMatches(index, peer.ipBlock, endpoint.ip);
    return (
      index.topology.options.ipBlockMatchesPods &&
      endpoint.pod.ip !== undefined &&
      ipBlockMatches(index, peer.ipBlock, endpoint.pod.ip)
    );
  }
  if (!peer.podSelector && !peer.namespaceSelector) return false;
  if (endpoint.kind !== 'pod') return false;
  const pod = endpoint.pod;
  const namespaceOk = peer.namespaceSelector
    ? matchesSelector(peer.namespaceSelector, pod.namespaceLabels)
    : pod.namespace === policyNamespace;
  return namespaceOk && (!peer.podSelector || matchesSelector(peer.podSelector, pod.labels));
}

/** `podSelector app=api`, `namespaceSelector team=a and podSelector app=api`, `ipBlock 0.0.0.0/0 except 169.254.169.254/32`. */
export function describePeer(peer: NetworkPolicyPeer): string {
  if (peer.ipBlock) {
    const except = peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(', ')}` : '';
    return `ipBlock ${peer.ipBlock.cidr}${except}`;
  }
  const parts: string[] = [];
  if (peer.namespaceSelector) parts.push(`namespaceSelector ${formatSelector(peer.namespaceSelector)}`);
  if (peer.podSelector) parts.push(`podSelector ${formatSelector(peer.podSelector)}`);
  return parts.join(' and ') || 'an empty peer (matches nothing)';
}

/** Resolves a named port on the destination pod: the container port with that name and protocol. */
function namedPort(dst: PolicyEndpoint, name: string, protocol: Protocol): number | undefined {
  const pod = dst.kind === 'pod' ? dst.pod : dst.hostNetworkPod;
  if (!pod) return undefined;
  for (const container of pod.pod.spec?.containers ?? []) {
    for (const p of container.ports ?? []) {
      if (p.name === name && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** The (protocol, port) pairs a rule's `ports` admit towards `dst`. */
export function rulePorts(ports: NetworkPolicyPort[] | undefined, dst: PolicyEndpoint): PortSet {
  if (!ports || ports.length === 0) return allPortSet();
  let set = emptyPortSet();
  for (const p of ports) {
    const protocol = (p.protocol ?? 'TCP') as Protocol;
    if (p.port === undefined) {
      set = union(set, portRange(protocol, 1, 65535));
    } else if (typeof p.port === 'number' || /^\d+$/.test(p.port)) {
      const port = Number(p.port);
      set = union(set, portRange(protocol, port, p.endPort ?? port));
    } else {
      const resolved = namedPort(dst, p.port, protocol);
      if (resolved !== undefined) set = union(set, portRange(protocol, resolved));
    }
  }
  return set;
}

interface RuleMatch {
  policy: NetworkPolicy;
  rule: number;
  /** The peer that matched; undefined when the rule has no peers (matches everyone). */
  peer: NetworkPolicyPeer | undefined;
  ports: PortSet;
}

type Rule = { ports?: NetworkPolicyPort[] };

const endpointKey = (e: PolicyEndpoint): string => (e.kind === 'pod' ? e.pod.key : `ip:${e.ip}`);

/** A rule's ports, cached: per rule when it names no port, per destination when it does. */
function cachedRulePorts(index: PolicyIndex, rule: Rule, dst: PolicyEndpoint): PortSet {
  let perRule = index.rulePorts.get(rule);
  if (!perRule) {
    perRule = new Map();
    index.rulePorts.set(rule, perRule);
  }
  const named = (rule.ports ?? []).some((p) => typeof p.port === 'string' && !/^\d+$/.test(p.port));
  const key = named ? endpointKey(dst) : '';
  let set = perRule.get(key);
  if (!set) {
    set = rulePorts(rule.ports, dst);
    perRule.set(key, set);
  }
  return set;
}

/** Every rule of the subject's policies that matches `other`, with the ports it admits towards `dst`. */
function matchingRules(
  index: PolicyIndex,
  direction: Direction,
  policies: NetworkPolicy[],
  other: PolicyEndpoint,
  dst: PolicyEndpoint,
): RuleMatch[] {
  const out: RuleMatch[] = [];
  for (const policy of policies) {
    const ns = policy.metadata?.namespace || 'default';
    const rules = (direction === 'ingress' ? policy.spec?.ingress : policy.spec?.egress) ?? [];
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const peers =
        direction === 'ingress'
          ? (rule as { from?: NetworkPolicyPeer[] }).from
          : (rule as { to?: NetworkPolicyPeer[] }).to;
      let peer: NetworkPolicyPeer | undefined;
      if (peers && peers.length > 0) {
        peer = peers.find((p) => peerMatches(index, ns, p, other));
        if (!peer) continue;
      }
      out.push({ policy, rule: i, peer, ports: cachedRulePorts(index, rule, dst) });
    }
  }
  return out;
}

function describeMatch(direction: Direction, m: RuleMatch): string {
  if (!m.peer) return direction === 'ingress' ? 'from any source' : 'to any destination';
  return `${direction === 'ingress' ? 'from' : 'to'} ${describePeer(m.peer)}`;
}

/** A short name for an endpoint in messages: `shop/db (10.244.1.5)`, `node kind-worker (172.18.0.3)`. */
export function describeEndpoint(endpoint: PolicyEndpoint): string {
  if (endpoint.kind === 'pod') return endpoint.pod.ip ? `${endpoint.pod.key} (${endpoint.pod.ip})` : endpoint.pod.key;
  return endpoint.describe === endpoint.ip ? endpoint.ip : `${endpoint.describe} (${endpoint.ip})`;
}

const podRef = (pod: PodInfo): ObjectRef => ({ namespace: pod.namespace, name: pod.name });
const policyList = (policies: NetworkPolicy[]): string =>
  `${policies.length === 1 ? 'NetworkPolicy' : 'NetworkPolicies'} ${policies.map((p) => `${refOf(p).namespace}/${refOf(p).name}`).join(', ')}`;

/**
 * Traffic NetworkPolicy never filters (kubernetes.io docs): a pod to itself, a
 * pod and the node it runs on (either way), and anything of a pod-less subject.
 */
function exemption(
  direction: Direction,
  src: PolicyEndpoint,
  dst: PolicyEndpoint,
  index: PolicyIndex,
): Exemption | undefined {
  const subject = direction === 'egress' ? src : dst;
  if (subject.kind === 'ip') return subject.hostNetworkPod ? 'host-network' : 'not-a-pod';
  if (src.kind === 'pod' && dst.kind === 'pod' && src.pod === dst.pod) return 'self';
  if (!index.topology.options.allowNodeToLocalPods) return undefined;
  const other = direction === 'egress' ? dst : src;
  if (other.kind === 'ip' && other.node !== undefined && other.node === subject.pod.nodeName) {
    return direction === 'ingress' ? 'node-to-local-pod' : 'pod-to-local-node';
  }
  return undefined;
}

type Exemption = NonNullable<DirectionVerdict['exempt']>;

function exemptionMessage(exempt: Exemption, direction: Direction, src: PolicyEndpoint, dst: PolicyEndpoint): string {
  const subject = direction === 'egress' ? src : dst;
  const verb = direction === 'egress' ? 'egress from' : 'ingress to';
  const who = describeEndpoint(subject);
  switch (exempt) {
    case 'host-network':
      return `allowed: ${verb} ${who} is a hostNetwork pod, which NetworkPolicy does not select`;
    case 'not-a-pod':
      return `allowed: ${verb} ${who} is not a pod, so no NetworkPolicy applies`;
    case 'self':
      return `allowed: ${verb} ${who} is to itself, which a pod cannot block`;
    case 'node-to-local-pod':
      return `allowed: ${verb} ${who} comes from its own node ${src.kind === 'ip' ? src.node : ''}, which is always allowed`;
    case 'pod-to-local-node':
      return `allowed: ${verb} ${who} goes to its own node ${dst.kind === 'ip' ? dst.node : ''}, which is always allowed`;
    case 'loopback':
      return `allowed: ${direction} on loopback stays inside the network namespace`;
  }
}

/** The ports NetworkPolicy lets `src` send to `dst` in one direction's view. */
export function directionPorts(
  index: PolicyIndex,
  direction: Direction,
  src: PolicyEndpoint,
  dst: PolicyEndpoint,
): PortSet {
  if (exemption(direction, src, dst, index)) return allPortSet();
  const subject = (direction === 'egress' ? src : dst) as { kind: 'pod'; pod: PodInfo };
  const policies = selectingPolicies(index, subject.pod, direction);
  if (policies.length === 0) return allPortSet();
  let set = emptyPortSet();
  for (const m of matchingRules(index, direction, policies, direction === 'egress' ? dst : src, dst))
    set = union(set, m.ports);
  return set;
}

/** Decides one direction for one port, naming the rule that allows it or the policies that isolate. */
export function judgeDirection(
  index: PolicyIndex,
  direction: Direction,
  src: PolicyEndpoint,
  dst: PolicyEndpoint,
  port: number,
  protocol: Protocol,
): DirectionVerdict {
  return judgeDirectionPorts(index, direction, src, dst, [{ port, protocol }])[0]!;
}

/** {@link judgeDirection} for several ports of one pair, matching the rules once. */
export function judgeDirectionPorts(
  index: PolicyIndex,
  direction: Direction,
  src: PolicyEndpoint,
  dst: PolicyEndpoint,
  ports: ReadonlyArray<{ port: number; protocol: Protocol }>,
): DirectionVerdict[] {
  const exempt = exemption(direction, src, dst, index);
  const subject = direction === 'egress' ? src : dst;
  const verb = direction === 'egress' ? 'egress from' : 'ingress to';
  if (exempt) {
    const verdict: DirectionVerdict = {
      direction,
      allowed: true,
      isolated: false,
      policies: [],
      exempt,
      message: exemptionMessage(exempt, direction, src, dst),
    };
    if (subject.kind === 'pod') verdict.pod = podRef(subject.pod);
    else if (subject.hostNetworkPod) verdict.pod = podRef(subject.hostNetworkPod);
    return ports.map(() => verdict);
  }
  const pod = (subject as { kind: 'pod'; pod: PodInfo }).pod;
  const policies = selectingPolicies(index, pod, direction);
  if (policies.length === 0) {
    const verdict = memo<DirectionVerdict>(index, `open|${direction}|${pod.key}`, () => ({
      direction,
      pod: podRef(pod),
      policies: [],
      allowed: true,
      isolated: false,
      message: `allowed: ${verb} ${pod.key} is not isolated (no NetworkPolicy selects it for ${direction})`,
    }));
    return ports.map(() => verdict);
  }
  const refs = memo(index, `refs|${direction}|${pod.key}`, () => policies.map(refOf));
  const other = direction === 'egress' ? dst : src;
  const matches = matchingRules(index, direction, policies, other, dst);
  return ports.map(({ port, protocol }) => {
    const hit = matches.find((m) => contains(m.ports, protocol, port));
    if (hit) {
      // The same rule admitting the same kind of peer reads the same: one shared verdict.
      const peerIndex = hit.peer ? rulePeers(direction, hit).indexOf(hit.peer) : -1;
      const ref = refOf(hit.policy);
      return memo(index, `allow|${direction}|${pod.key}|${ref.namespace}/${ref.name}|${hit.rule}|${peerIndex}`, () => {
        const peer = describeMatch(direction, hit);
        return {
          direction,
          pod: podRef(pod),
          policies: refs,
          allowed: true,
          isolated: true,
          allowedBy: { policy: ref, rule: hit.rule, peer },
          message: `allowed: ${verb} ${pod.key} by NetworkPolicy ${ref.namespace}/${ref.name} rule ${hit.rule} (${peer})`,
        };
      });
    }
    const prefix = memo(
      index,
      `deny|${direction}|${pod.key}`,
      () => `denied: ${verb} ${pod.key} is isolated by ${policyList(policies)} and no ${direction} rule allows `,
    );
    const what =
      direction === 'egress'
        ? memo(
            index,
            `to|${endpointKey(dst)}|${port}|${protocol}`,
            () => `${dst.kind === 'pod' ? (dst.pod.ip ?? dst.pod.key) : dst.ip}:${port}/${protocol}`,
          )
        : `${memo(index, `from|${endpointKey(src)}`, () => describeEndpoint(src))} on ${memo(index, `port|${port}|${protocol}`, () => `${port}/${protocol}`)}`;
    return {
      direction,
      pod: podRef(pod),
      policies: refs,
      allowed: false,
      isolated: true,
      message: prefix + what,
    };
  });
}

function rulePeers(direction: Direction, m: RuleMatch): NetworkPolicyPeer[] {
  const rules = (direction === 'ingress' ? m.policy.spec?.ingress : m.policy.spec?.egress) ?? [];
  const rule = rules[m.rule] as { from?: NetworkPolicyPeer[]; to?: NetworkPolicyPeer[] } | undefined;
  return (direction === 'ingress' ? rule?.from : rule?.to) ?? [];
}
