import type { Service, ServicePort } from 'kubernetes-types/core/v1';
import type { Protocol } from './port-set.ts';
import type { PodInfo, Topology } from './topology.ts';

/** One address kube-proxy may send a Service port's traffic to. */
export interface Backend {
  ip: string;
  port: number;
  /** The pod behind the address, when it is one. */
  pod?: PodInfo;
}

/** A Service's `namespace/name`, the key the topology indexes it by. */
export const serviceKey = (svc: Service): string => `${svc.metadata?.namespace || 'default'}/${svc.metadata?.name}`;

/** A Service with `clusterIP: None`: its name resolves to the pods themselves, with no virtual IP in front. */
export const isHeadless = (svc: Service): boolean => svc.spec?.clusterIP === 'None';

/** The Service's cluster IPs (none for headless and ExternalName Services). */
export function clusterIPs(svc: Service): string[] {
  if (svc.spec?.type === 'ExternalName') return [];
  const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : [];
  return ips.filter((ip) => ip && ip !== 'None');
}

/** Addresses kube-proxy answers for the Service from outside: LoadBalancer ingress IPs and `spec.externalIPs`. */
export function loadBalancerIPs(svc: Service): string[] {
  const lb =
    svc.spec?.type === 'LoadBalancer'
      ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => Boolean(ip))
      : [];
  return svc.spec?.type === 'ExternalName' ? [] : [...lb, ...(svc.spec?.externalIPs ?? [])];
}

/** Whether the Service opens ports on every node (NodePort and LoadBalancer types). */
export const hasNodePorts = (svc: Service): boolean =>
  svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';

/** A port's protocol, TCP when unset as the API defaults it. */
export const protocolOf = (p: { protocol?: string }): Protocol => (p.protocol ?? 'TCP') as Protocol;

/** The container port a `targetPort` means on one pod; named ports resolve by name and protocol. */
export function targetPortOn(pod: PodInfo, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && protocolOf(p) === protocolOf(sp)) return p.containerPort;
  }
  return undefined;
}

/** Pods a selector Service routes to: same namespace, labels match, an address. */
export function selectedPods(topology: Topology, svc: Service, includeNotReady = false): PodInfo[] {
  const selector = svc.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  const ns = svc.metadata?.namespace || 'default';
  return topology.pods.filter(
    (p) =>
      p.namespace === ns &&
      p.ip !== undefined &&
      (includeNotReady ? p.running : p.ready) &&
      Object.entries(selector).every(([k, v]) => p.labels[k] === v),
  );
}

/**
 * The ready backends of one Service port, sorted by pod name: what kube-proxy
 * load-balances over. Selector Services are computed from pods, as the
 * EndpointSlice controller would (no lag); selectorless ones read their
 * EndpointSlices, or else their Endpoints.
 */
export function serviceBackends(topology: Topology, svc: Service, sp: ServicePort): Backend[] {
  if (svc.spec?.selector && Object.keys(svc.spec.selector).length > 0) {
    const out: Backend[] = [];
    for (const pod of selectedPods(topology, svc)) {
      const port = targetPortOn(pod, sp);
      if (port !== undefined) out.push({ ip: pod.ip!, port, pod });
    }
    return out.sort((a, b) => a.pod!.name.localeCompare(b.pod!.name));
  }
  const ns = svc.metadata?.namespace || 'default';
  const name = svc.metadata?.name;
  const out: Backend[] = [];
  const slices = (topology.objects.endpointSlices ?? []).filter(
    (s) => (s.metadata?.namespace || 'default') === ns && s.metadata?.labels?.['kubernetes.io/service-name'] === name,
  );
  const podOf = (ip: string) => topology.podByIp.get(ip);
  if (slices.length > 0) {
    for (const slice of slices) {
      const port = (slice.ports ?? []).find(
        (p) => (p.name ?? '') === (sp.name ?? '') && protocolOf(p) === protocolOf(sp),
      )?.port;
      if (port === undefined || port === null) continue;
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false) continue;
        for (const ip of ep.addresses) {
          const pod = podOf(ip);
          out.push({ ip, port, ...(pod ? { pod } : {}) });
        }
      }
    }
  } else {
    const endpoints = (topology.objects.endpoints ?? []).find(
      (e) => (e.metadata?.namespace || 'default') === ns && e.metadata?.name === name,
    );
    for (const subset of endpoints?.subsets ?? []) {
      const port = (subset.ports ?? []).find(
        (p) => (p.name ?? '') === (sp.name ?? '') && protocolOf(p) === protocolOf(sp),
      )?.port;
      if (port === undefined) continue;
      for (const a of subset.addresses ?? []) {
        const pod = podOf(a.ip);
        out.push({ ip: a.ip, port, ...(pod ? { pod } : {}) });
      }
    }
  }
  return out.sort((a, b) => a.ip.localeCompare(b.ip) || a.port - b.port);
}

/** The Service port answering `port`/`protocol` on the Service's cluster or load-balancer IP. */
export const servicePortFor = (svc: Service, port: number, protocol: Protocol): ServicePort | undefined =>
  (svc.spec?.ports ?? []).find((p) => p.port === port && protocolOf(p) === protocol);

/** The Service and port that own `nodePort`/`protocol` on every node. */
export function nodePortService(
  topology: Topology,
  nodePort: number,
  protocol: Protocol,
): { svc: Service; sp: ServicePort } | undefined {
  for (const svc of topology.services) {
    if (!hasNodePorts(svc)) continue;
    const sp = (svc.spec?.ports ?? []).find((p) => p.nodePort === nodePort && protocolOf(p) === protocol);
    if (sp) return { svc, sp };
  }
  return undefined;
}
