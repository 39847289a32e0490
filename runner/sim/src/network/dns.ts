import type { Service } from 'kubernetes-types/core/v1';
import { type NetworkContext, sourceOf } from './context.ts';
import { parseIPv4 } from './ip.ts';
import { judgeDirection, type PolicyEndpoint } from './policy.ts';
import { clusterIPs, isHeadless, selectedPods, serviceBackends, servicePortFor } from './service.ts';
import { METADATA_IP, type PodInfo } from './topology.ts';
import type { Peer, Verdict } from './types.ts';

/** Who asks: a namespace (no policy check), a pod in it (its egress to kube-dns must be allowed), or any peer. */
export type DnsClient = { namespace: string; pod?: string } | Peer;

/** What a name resolves to from a pod, or why it does not resolve. */
export type DnsResult =
  | {
      ips: string[];
      /** The name that answered, fully qualified: `db.shop.svc.cluster.local`. */
      name: string;
      /** The nameserver the client used: kube-dns's cluster IP, or the node's resolver. */
      server: string;
      /** Set when the answer came through a CNAME (ExternalName Services). */
      cname?: string;
    }
  | { error: 'NXDOMAIN'; server: string }
  | { error: 'TIMEOUT'; server: string; reason: Verdict };

const NDOTS = 5;
/** Docker's embedded resolver, which kind nodes and `dnsPolicy: Default` pods use. */
const NODE_RESOLVER = '172.18.0.1';

function kubeDnsService(ctx: NetworkContext): Service | undefined {
  return ctx.topology.serviceByKey.get('kube-system/kube-dns');
}

/** The CoreDNS pods a query lands on, best first. */
function kubeDnsBackends(ctx: NetworkContext): Array<{ pod: PodInfo; port: number }> {
  const svc = kubeDnsService(ctx);
  const sp = svc ? servicePortFor(svc, 53, 'UDP') : undefined;
  if (svc && sp) {
    return serviceBackends(ctx.topology, svc, sp)
      .filter((b) => b.pod)
      .map((b) => ({ pod: b.pod!, port: b.port }));
  }
  return ctx.topology.pods
    .filter((p) => p.namespace === 'kube-system' && p.labels['k8s-app'] === 'kube-dns' && p.ready && p.ip)
    .map((pod) => ({ pod, port: 53 }));
}

function lookupService(ctx: NetworkContext, svc: Service, depth: number): { ips: string[]; cname?: string } | null {
  if (svc.spec?.type === 'ExternalName') {
    const target = svc.spec.externalName ?? '';
    if (depth > 4) return null;
    const answer = lookupAbsolute(ctx, target.replace(/\.$/, '').toLowerCase(), depth + 1);
    return answer ? { ips: answer.ips, cname: target } : null;
  }
  if (!isHeadless(svc)) {
    const ips = clusterIPs(svc);
    return ips.length ? { ips } : null;
  }
  const publish = svc.spec?.publishNotReadyAddresses === true;
  const ips = [...new Set(selectedPods(ctx.topology, svc, publish).map((p) => p.ip!))].sort(
    (a, b) => (parseIPv4(a) ?? 0) - (parseIPv4(b) ?? 0),
  );
  return ips.length ? { ips } : null;
}

/** One fully qualified name (no trailing dot, lower case) against CoreDNS and the simulated internet. */
function lookupAbsolute(ctx: NetworkContext, fqdn: string, depth = 0): { ips: string[]; cname?: string } | null {
  const { topology } = ctx;
  const domain = topology.options.clusterDomain;
  if (fqdn.endsWith(`.${domain}`)) {
    const labels = fqdn.slice(0, -domain.length - 1).split('.');
    if (labels.length === 3 && labels[2] === 'svc') {
      const svc = topology.serviceByKey.get(`${labels[1]}/${labels[0]}`);
      if (svc) return lookupService(ctx, svc, depth);
      if (labels[0] === 'kubernetes' && labels[1] === 'default') return { ips: ['10.96.0.1'] };
      return null;
    }
    if (labels.length === 4 && labels[3] === 'svc') {
      const [host, svcName, ns] = labels as [string, string, string];
      const svc = topology.serviceByKey.get(`${ns}/${svcName}`);
      if (!svc || !isHeadless(svc)) return null;
      const pods = selectedPods(topology, svc, svc.spec?.publishNotReadyAddresses === true).filter((p) => {
        const hostname = p.pod.spec?.hostname;
        const subdomain = p.pod.spec?.subdomain;
        if (hostname !== undefined || subdomain !== undefined) return hostname === host && subdomain === svcName;
        // A StatefulSet pod whose controller left hostname/subdomain unset still answers by its name.
        return p.name === host && (p.pod.metadata?.ownerReferences ?? []).some((r) => r.kind === 'StatefulSet');
      });
      return pods.length ? { ips: pods.map((p) => p.ip!) } : null;
    }
    if (labels.length === 3 && labels[2] === 'pod') {
      // CoreDNS `pods insecure` (kind's default): the name is the answer.
      const ip = labels[0]!.replaceAll('-', '.');
      return parseIPv4(ip) !== undefined ? { ips: [ip] } : null;
    }
    return null;
  }
  if (topology.options.metadata && fqdn === 'metadata.google.internal') return { ips: [METADATA_IP] };
  for (const host of topology.options.internet) {
    if (host.names.some((n) => n.replace(/\.$/, '').toLowerCase() === fqdn)) return { ips: [...host.ips] };
  }
  // kind nodes are containers on one Docker network: its resolver (CoreDNS's upstream) knows them by name.
  const node = topology.nodeByName.get(fqdn);
  if (node?.ip) return { ips: [node.ip] };
  return null;
}

/**
 * Resolves a name as a pod's resolver would: /etc/hosts first (localhost, the
 * pod's own hostname), then CoreDNS through the search path
 * `<ns>.svc.cluster.local svc.cluster.local cluster.local` with ndots 5.
 * A pod's query is a UDP packet to kube-dns: if NetworkPolicy drops it (egress
 * from the pod, or ingress to CoreDNS), the lookup times out.
 */
export function resolveIn(ctx: NetworkContext, name: string, from: DnsClient): DnsResult {
  const { topology } = ctx;
  const domain = topology.options.clusterDomain;
  const text = name.trim().toLowerCase();
  const absolute = text.endsWith('.');
  const bare = absolute ? text.slice(0, -1) : text;

  let pod: PodInfo | undefined;
  let namespace: string | undefined;
  let useClusterDns = true;
  let peer: Peer | undefined;
  if ('kind' in from) {
    peer = from;
    if (from.kind === 'pod') {
      namespace = from.namespace;
      pod = topology.podByKey.get(`${from.namespace}/${from.name}`);
    } else useClusterDns = false;
  } else {
    namespace = from.namespace;
    if (from.pod) {
      peer = { kind: 'pod', namespace: from.namespace, name: from.pod };
      pod = topology.podByKey.get(`${from.namespace}/${from.pod}`);
    }
  }
  if (pod) {
    const policy = pod.pod.spec?.dnsPolicy ?? 'ClusterFirst';
    const hostNetwork = pod.pod.spec?.hostNetwork === true;
    if (policy === 'Default' || policy === 'None' || (hostNetwork && policy !== 'ClusterFirstWithHostNet'))
      useClusterDns = false;
  }
  const server = useClusterDns ? (clusterIPs(kubeDnsService(ctx) ?? {})[0] ?? '10.96.0.10') : NODE_RESOLVER;

  if (parseIPv4(bare) !== undefined) return { ips: [bare], name: bare, server };
  if (bare === 'localhost') return { ips: ['127.0.0.1'], name: 'localhost', server };
  if (pod?.ip && bare === (pod.pod.spec?.hostname ?? pod.name).toLowerCase())
    return { ips: [pod.ip], name: bare, server };

  if (useClusterDns && peer) {
    const timeout = dnsBlocked(ctx, peer);
    if (timeout) return { error: 'TIMEOUT', server, reason: timeout };
  }

  const search = useClusterDns && namespace ? [`${namespace}.svc.${domain}`, `svc.${domain}`, domain] : [];
  const dots = bare.split('.').length - 1;
  const candidates = absolute
    ? [bare]
    : dots >= NDOTS
      ? [bare, ...search.map((d) => `${bare}.${d}`)]
      : [...search.map((d) => `${bare}.${d}`), bare];
  for (const candidate of candidates) {
    if (!useClusterDns && candidate.endsWith(`.${domain}`)) continue;
    const answer = lookupAbsolute(ctx, candidate);
    if (answer) return { ips: answer.ips, name: candidate, server, ...(answer.cname ? { cname: answer.cname } : {}) };
  }
  return { error: 'NXDOMAIN', server };
}

/** Why a pod's DNS query never gets an answer, or undefined when it does. */
function dnsBlocked(ctx: NetworkContext, peer: Peer): Verdict | undefined {
  const source = sourceOf(ctx, peer);
  if (!source.ok) return { allowed: false, cause: 'no-route', message: `denied: ${source.message}` };
  const backends = kubeDnsBackends(ctx);
  if (backends.length === 0) {
    return {
      allowed: false,
      cause: 'no-endpoints',
      message: 'denied: kube-dns has no ready endpoints, so DNS queries time out',
    };
  }
  let last: Verdict | undefined;
  for (const backend of backends) {
    const dst: PolicyEndpoint = { kind: 'pod', pod: backend.pod };
    const egress = judgeDirection(ctx.index, 'egress', source.endpoint, dst, backend.port, 'UDP');
    const ingress = judgeDirection(ctx.index, 'ingress', source.endpoint, dst, backend.port, 'UDP');
    if (egress.allowed && ingress.allowed) return undefined;
    const denied = egress.allowed ? ingress : egress;
    last = {
      allowed: false,
      cause: egress.allowed ? 'ingress-denied' : 'egress-denied',
      message: `${denied.message} (DNS query to kube-dns ${backend.pod.key} on ${backend.port}/UDP)`,
      egress,
      ingress,
    };
  }
  return last;
}
