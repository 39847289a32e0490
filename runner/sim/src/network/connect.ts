import type { Service, ServicePort } from 'kubernetes-types/core/v1';
import { type NetworkContext, podEndpoint, sourceOf } from './context.ts';
import { resolveIn } from './dns.ts';
import { parseIPv4 } from './ip.ts';
import { describeEndpoint, judgeDirection, type PolicyEndpoint } from './policy.ts';
import type { Protocol } from './port-set.ts';
import {
  type Backend,
  clusterIPs,
  loadBalancerIPs,
  nodePortService,
  protocolOf,
  serviceBackends,
  servicePortFor,
} from './service.ts';
import { METADATA_IP, type NodeInfo, type PodInfo } from './topology.ts';
import type { DirectionVerdict, InternetHost, ListenTarget, ObjectRef, Peer, Verdict, VerdictCause } from './types.ts';

/** Where to connect: an address or a name, a port, a protocol (default TCP). */
export interface ConnectTo {
  ip?: string;
  host?: string;
  port: number;
  protocol?: Protocol;
}

/** What the connection reached, after DNS and Service translation. */
export type ConnectTarget =
  | { kind: 'pod'; namespace: string; name: string; ip: string; port: number; hostNetwork: boolean }
  | { kind: 'node'; name: string; ip: string; port: number }
  | { kind: 'internet'; ip: string; port: number; names: string[] }
  | { kind: 'metadata'; ip: string; port: number };

/** The Service a connection went through. */
export interface ConnectVia {
  service: ObjectRef;
  type: string;
  /** The Service port (`spec.ports[].port`). */
  port: number;
  nodePort?: number;
  loadBalancerIP?: string;
  /** The backend chosen, deterministically the first ready one by pod name. */
  backend: { ip: string; port: number };
  /** How many ready backends the port has. */
  backends: number;
}

/**
 * How it ended, as a shell reports it: `connected`; `refused` (nothing
 * listens, or a Service without endpoints: kube-proxy rejects); `timeout`
 * (NetworkPolicy dropped it, or no route); `unresolved` (the name did not resolve).
 */
export type Outcome = 'connected' | 'refused' | 'timeout' | 'unresolved';

/** What a connection attempt came to: allowed or not, why, and where it landed. */
export interface ConnectResult {
  allowed: boolean;
  outcome: Outcome;
  /** The address dialled (after DNS, before Service translation). */
  ip?: string;
  port: number;
  protocol: Protocol;
  target?: ConnectTarget;
  via?: ConnectVia;
  reason: Verdict;
}

/** One step of a connection's path, for `explainPath` and the cluster map. */
export interface PathStep {
  step: 'source' | 'dns' | 'service' | 'route' | 'egress' | 'ingress' | 'listen';
  ok: boolean;
  text: string;
}

const DEFAULT_INTERNET_PORTS: Array<{ port: number; protocol?: Protocol }> = [{ port: 80 }, { port: 443 }];

function defaultListening(target: ListenTarget, port: number, protocol: Protocol): boolean {
  switch (target.kind) {
    case 'pod':
      return (target.pod.spec?.containers ?? []).some((c) =>
        (c.ports ?? []).some((p) => p.containerPort === port && protocolOf(p) === protocol),
      );
    case 'node': {
      if (protocol !== 'TCP') return false;
      const controlPlane = Object.hasOwn(target.node.metadata?.labels ?? {}, 'node-role.kubernetes.io/control-plane');
      return port === 10250 || (controlPlane && port === 6443);
    }
    case 'internet':
      return (target.host.ports ?? DEFAULT_INTERNET_PORTS).some(
        (p) => p.port === port && (p.protocol ?? 'TCP') === protocol,
      );
    case 'metadata':
      return port === 80 && protocol === 'TCP';
  }
}

interface Hop {
  dst: PolicyEndpoint;
  /** The source as the destination's ingress policy sees it (after any SNAT). */
  seenFrom: PolicyEndpoint;
  /** The destination as the source's egress policy sees it (before DNAT when the node does it remotely). */
  egressTo?: PolicyEndpoint;
  target: ConnectTarget;
  listen: ListenTarget;
  port: number;
  /** Traffic to 127.0.0.0/8 never leaves the network namespace, so no policy sees it. */
  loopback?: boolean;
}

type Classified =
  | { ok: true; hop: Hop; via?: ConnectVia }
  | { ok: false; outcome: Outcome; cause: VerdictCause; message: string };

/**
 * Decides one connection. Pure: the same objects and options always give the
 * same answer. kube-proxy's DNAT happens before policy, so a Service VIP is
 * judged against the backend pod it translates to.
 */
export function connectIn(ctx: NetworkContext, from: Peer, to: ConnectTo, steps: PathStep[] = []): ConnectResult {
  const protocol: Protocol = to.protocol ?? 'TCP';
  const port = to.port;
  const fail = (
    outcome: Outcome,
    cause: VerdictCause,
    message: string,
    extra: Partial<ConnectResult> = {},
  ): ConnectResult => ({
    allowed: false,
    outcome,
    port,
    protocol,
    ...extra,
    reason: { allowed: false, cause, message: `denied: ${message}`, ...(extra.reason ?? {}) },
  });

  const source = sourceOf(ctx, from);
  if (!source.ok) {
    steps.push({ step: 'source', ok: false, text: source.message });
    return fail('timeout', 'no-route', source.message);
  }
  steps.push({ step: 'source', ok: true, text: `from ${describeEndpoint(source.endpoint)}` });

  let ip = to.ip;
  if (!ip) {
    const name = to.host ?? '';
    const dns = resolveIn(ctx, name, from);
    if ('error' in dns) {
      const text =
        dns.error === 'NXDOMAIN'
          ? `${name} does not resolve (NXDOMAIN from ${dns.server})`
          : `DNS lookup of ${name} timed out: ${dns.reason.message.replace(/^denied: /, '')}`;
      steps.push({ step: 'dns', ok: false, text });
      if (dns.error === 'NXDOMAIN') return fail('unresolved', 'dns-nxdomain', text);
      return {
        allowed: false,
        outcome: 'unresolved',
        port,
        protocol,
        reason: { ...dns.reason, cause: 'dns-timeout', message: `denied: ${text}` },
      };
    }
    ip = dns.ips[0]!;
    steps.push({ step: 'dns', ok: true, text: `${name} resolves to ${dns.ips.join(', ')} (${dns.name})` });
  }

  const classified = classify(ctx, source, ip, port, protocol, from.kind === 'internet');
  if (!classified.ok) {
    steps.push({ step: classified.cause === 'no-route' ? 'route' : 'service', ok: false, text: classified.message });
    return fail(classified.outcome, classified.cause, classified.message, { ip });
  }
  const { hop, via } = classified;
  if (via) {
    steps.push({
      step: 'service',
      ok: true,
      text: `${via.service.namespace}/${via.service.name} (${via.type}) port ${via.nodePort ?? via.port}/${protocol} → ${via.backend.ip}:${via.backend.port} (1 of ${via.backends} ready backends)`,
    });
  }

  const egress = hop.loopback
    ? loopbackVerdict('egress')
    : judgeDirection(
        ctx.index,
        'egress',
        source.endpoint,
        hop.egressTo ?? hop.dst,
        hop.egressTo ? port : hop.port,
        protocol,
      );
  const ingress = hop.loopback
    ? loopbackVerdict('ingress')
    : judgeDirection(ctx.index, 'ingress', hop.seenFrom, hop.dst, hop.port, protocol);
  steps.push({ step: 'egress', ok: egress.allowed, text: egress.message });
  if (egress.allowed) steps.push({ step: 'ingress', ok: ingress.allowed, text: ingress.message });
  const base = { ip, port, protocol, target: hop.target, ...(via ? { via } : {}) };
  if (!egress.allowed || !ingress.allowed) {
    const decisive: DirectionVerdict = egress.allowed ? ingress : egress;
    return {
      ...base,
      allowed: false,
      outcome: 'timeout',
      reason: {
        allowed: false,
        cause: egress.allowed ? 'ingress-denied' : 'egress-denied',
        message: decisive.message,
        egress,
        ingress,
      },
    };
  }
  const listening = (ctx.topology.options.listening ?? defaultListening)(hop.listen, hop.port, protocol);
  const where = `${hop.target.ip}:${hop.port}/${protocol}`;
  steps.push({
    step: 'listen',
    ok: listening,
    text: listening ? `${where} accepts the connection` : `nothing listens on ${where}`,
  });
  const both = `${egress.message.replace(/^allowed: /, '')}; ${ingress.message.replace(/^allowed: /, '')}`;
  if (!listening) {
    return {
      ...base,
      allowed: false,
      outcome: 'refused',
      reason: {
        allowed: false,
        cause: 'not-listening',
        message: `refused: nothing listens on ${where} (${both})`,
        egress,
        ingress,
      },
    };
  }
  return {
    ...base,
    allowed: true,
    outcome: 'connected',
    reason: { allowed: true, cause: 'allowed', message: `allowed: ${both}`, egress, ingress },
  };
}

const loopbackVerdict = (direction: 'egress' | 'ingress'): DirectionVerdict => ({
  direction,
  allowed: true,
  isolated: false,
  policies: [],
  exempt: 'loopback',
  message: `allowed: ${direction} on loopback stays inside the network namespace`,
});

const svcRef = (svc: Service): ObjectRef => ({
  namespace: svc.metadata?.namespace || 'default',
  name: svc.metadata?.name ?? '',
});

function podTarget(pod: PodInfo, port: number): ConnectTarget {
  return {
    kind: 'pod',
    namespace: pod.namespace,
    name: pod.name,
    ip: pod.ip ?? '',
    port,
    hostNetwork: pod.pod.spec?.hostNetwork === true,
  };
}

/** A backend as policy and the shell see it. */
function backendHop(
  ctx: NetworkContext,
  backend: Backend,
  seenFrom: PolicyEndpoint,
  protocol: Protocol,
): Hop | undefined {
  const node = backend.pod ? undefined : ctx.topology.nodeByIp.get(backend.ip);
  if (node) {
    const hop = nodeHop(ctx, node, seenFrom, backend.port, protocol, false);
    return hop.ok ? hop.hop : undefined;
  }
  if (backend.pod) {
    return {
      dst: podEndpoint(backend.pod),
      seenFrom,
      target: podTarget(backend.pod, backend.port),
      listen: { kind: 'pod', pod: backend.pod.pod },
      port: backend.port,
    };
  }
  const host = ctx.topology.options.internet.find((h) => h.ips.includes(backend.ip));
  if (!host) return undefined;
  return {
    dst: { kind: 'ip', ip: backend.ip, describe: host.names[0] ?? backend.ip },
    seenFrom,
    target: { kind: 'internet', ip: backend.ip, port: backend.port, names: host.names },
    listen: { kind: 'internet', host },
    port: backend.port,
  };
}

function throughService(
  ctx: NetworkContext,
  svc: Service,
  sp: ServicePort,
  seenFrom: PolicyEndpoint,
  via: Omit<ConnectVia, 'backend' | 'backends'>,
  onlyNode?: string,
): Classified {
  let backends = serviceBackends(ctx.topology, svc, sp);
  const name = `${svcRef(svc).namespace}/${svcRef(svc).name}`;
  if (backends.length === 0 && name === 'default/kubernetes') {
    // The apiserver's own Service: its endpoint is the control plane, whether or not anyone wrote it down.
    const cp = ctx.topology.nodes.find(
      (n) => n.ip && Object.hasOwn(n.node.metadata?.labels ?? {}, 'node-role.kubernetes.io/control-plane'),
    );
    if (cp) backends = [{ ip: cp.ip!, port: 6443 }];
  }
  if (backends.length === 0) {
    return {
      ok: false,
      outcome: 'refused',
      cause: 'no-endpoints',
      message: `Service ${name} has no ready endpoints for port ${sp.port}/${protocolOf(sp)}, so kube-proxy rejects the connection`,
    };
  }
  if (onlyNode !== undefined) {
    backends = backends.filter((b) => b.pod?.nodeName === onlyNode);
    if (backends.length === 0) {
      return {
        ok: false,
        outcome: 'timeout',
        cause: 'no-endpoints',
        message: `Service ${name} has externalTrafficPolicy Local and no ready endpoint on node ${onlyNode}, so the node drops the traffic`,
      };
    }
  }
  const backend = backends[0]!;
  const hop = backendHop(ctx, backend, seenFrom, protocolOf(sp));
  if (!hop)
    return {
      ok: false,
      outcome: 'timeout',
      cause: 'no-route',
      message: `no route to endpoint ${backend.ip} of Service ${name}`,
    };
  return { ok: true, hop, via: { ...via, backend: { ip: backend.ip, port: backend.port }, backends: backends.length } };
}

function classify(
  ctx: NetworkContext,
  source: Extract<ReturnType<typeof sourceOf>, { ok: true }>,
  ip: string,
  port: number,
  protocol: Protocol,
  fromInternet: boolean,
): Classified {
  const { topology } = ctx;
  const src = source.endpoint;
  const noRoute = (why: string): Classified => ({ ok: false, outcome: 'timeout', cause: 'no-route', message: why });
  const noServicePort = (why: string): Classified => ({
    ok: false,
    outcome: 'timeout',
    cause: 'no-service-port',
    message: why,
  });

  // Loopback never leaves the network namespace: no policy applies.
  if (ip.startsWith('127.')) {
    if (source.pod && !source.pod.asNode) {
      return {
        ok: true,
        hop: {
          dst: src,
          seenFrom: src,
          target: podTarget(source.pod, port),
          listen: { kind: 'pod', pod: source.pod.pod },
          port,
          loopback: true,
        },
      };
    }
    const node = source.nodeName ? topology.nodeByName.get(source.nodeName) : undefined;
    if (!node) return noRoute(`${ip} is the internet client's own loopback`);
    const hop = nodeHop(ctx, node, src, port, protocol, true);
    if (hop.ok) hop.hop.loopback = true;
    return hop;
  }

  const viaBase = (svc: Service, sp: ServicePort) => ({
    service: svcRef(svc),
    type: svc.spec?.type ?? 'ClusterIP',
    port: sp.port,
  });

  for (const svc of topology.services) {
    if (clusterIPs(svc).includes(ip)) {
      if (fromInternet)
        return noRoute(
          `${ip} is a ClusterIP of Service ${svcRef(svc).namespace}/${svcRef(svc).name}, which is not reachable from outside the cluster`,
        );
      const sp = servicePortFor(svc, port, protocol);
      if (!sp)
        return noServicePort(
          `Service ${svcRef(svc).namespace}/${svcRef(svc).name} has no port ${port}/${protocol}, so nothing translates ${ip}:${port}`,
        );
      const local = svc.spec?.internalTrafficPolicy === 'Local' ? (source.nodeName ?? '') : undefined;
      return throughService(ctx, svc, sp, src, viaBase(svc, sp), local);
    }
    if (loadBalancerIPs(svc).includes(ip)) {
      const sp = servicePortFor(svc, port, protocol);
      if (!sp)
        return noServicePort(
          `LoadBalancer ${ip} of Service ${svcRef(svc).namespace}/${svcRef(svc).name} has no port ${port}/${protocol}`,
        );
      const via = { ...viaBase(svc, sp), loadBalancerIP: ip, ...(sp.nodePort ? { nodePort: sp.nodePort } : {}) };
      // In-cluster clients are short-circuited by kube-proxy like a ClusterIP; outside ones arrive through a node.
      if (!fromInternet) return throughService(ctx, svc, sp, src, via);
      if (svc.spec?.externalTrafficPolicy === 'Local') return throughService(ctx, svc, sp, src, via);
      const node = topology.nodes.find((n) => n.ip);
      return throughService(ctx, svc, sp, node ? snat(node) : src, via);
    }
  }

  const node = topology.nodeByIp.get(ip);
  if (node) {
    const np = nodePortService(topology, port, protocol);
    if (np) {
      const via = { ...viaBase(np.svc, np.sp), nodePort: port };
      const local = np.svc.spec?.externalTrafficPolicy === 'Local';
      const result = throughService(ctx, np.svc, np.sp, local ? src : snat(node), via, local ? node.name : undefined);
      // The source's egress policy sees the node address it dialled: the node translates on arrival.
      if (result.ok) result.hop.egressTo = { kind: 'ip', ip: node.ip!, describe: `node ${node.name}`, node: node.name };
      return result;
    }
    return nodeHop(ctx, node, src, port, protocol, false);
  }

  const pod = topology.podByIp.get(ip);
  if (pod) {
    if (fromInternet) return noRoute(`${ip} is a pod IP (${pod.key}), which is not routable from outside the cluster`);
    if (!pod.running) return noRoute(`${ip} belonged to ${pod.key}, which is not running`);
    return {
      ok: true,
      hop: {
        dst: { kind: 'pod', pod },
        seenFrom: src,
        target: podTarget(pod, port),
        listen: { kind: 'pod', pod: pod.pod },
        port,
      },
    };
  }

  if (ip === METADATA_IP && topology.options.metadata) {
    if (fromInternet) return noRoute(`${ip} (the cloud metadata endpoint) is link-local to the nodes`);
    return {
      ok: true,
      hop: {
        dst: { kind: 'ip', ip, describe: 'cloud metadata endpoint' },
        seenFrom: src,
        target: { kind: 'metadata', ip, port },
        listen: { kind: 'metadata' },
        port,
      },
    };
  }

  const host: InternetHost | undefined = topology.options.internet.find((h) => h.ips.includes(ip));
  if (host) {
    return {
      ok: true,
      hop: {
        dst: { kind: 'ip', ip, describe: host.names[0] ?? ip },
        seenFrom: src,
        target: { kind: 'internet', ip, port, names: host.names },
        listen: { kind: 'internet', host },
        port,
      },
    };
  }
  if (parseIPv4(ip) === undefined) return noRoute(`${ip} is not an IPv4 address`);
  return noRoute(`no host answers at ${ip} (nothing in the cluster or the simulated internet has that address)`);
}

/** The source address after kube-proxy masquerades NodePort/LoadBalancer traffic (externalTrafficPolicy Cluster). */
function snat(node: NodeInfo): PolicyEndpoint {
  // No `node` field: SNATed traffic is forwarded, not the node's own, so the local-node exemption does not apply.
  return { kind: 'ip', ip: node.ip!, describe: `node ${node.name} (SNAT)` };
}

/** A connection to a node address that no NodePort claims: a hostPort, a hostNetwork pod, or the node itself. */
function nodeHop(
  ctx: NetworkContext,
  node: NodeInfo,
  src: PolicyEndpoint,
  port: number,
  protocol: Protocol,
  loopback: boolean,
): Classified {
  const onNode = ctx.topology.pods.filter((p) => p.nodeName === node.name && p.running);
  for (const p of onNode) {
    if (p.pod.spec?.hostNetwork) continue;
    for (const c of p.pod.spec?.containers ?? []) {
      for (const cp of c.ports ?? []) {
        if (cp.hostPort === port && protocolOf(cp) === protocol) {
          return {
            ok: true,
            hop: {
              dst: { kind: 'pod', pod: p },
              seenFrom: src,
              target: podTarget(p, cp.containerPort),
              listen: { kind: 'pod', pod: p.pod },
              port: cp.containerPort,
            },
          };
        }
      }
    }
  }
  const listening = ctx.topology.options.listening ?? defaultListening;
  const address = loopback ? '127.0.0.1' : node.ip!;
  for (const p of onNode) {
    if (!p.pod.spec?.hostNetwork) continue;
    if (listening({ kind: 'pod', pod: p.pod }, port, protocol)) {
      return {
        ok: true,
        hop: {
          dst: podEndpoint(p),
          seenFrom: src,
          target: { ...podTarget(p, port), ip: address },
          listen: { kind: 'pod', pod: p.pod },
          port,
        },
      };
    }
  }
  return {
    ok: true,
    hop: {
      dst: { kind: 'ip', ip: node.ip!, describe: `node ${node.name}`, node: node.name },
      seenFrom: src,
      target: { kind: 'node', name: node.name, ip: address, port },
      listen: { kind: 'node', node: node.node },
      port,
    },
  };
}
