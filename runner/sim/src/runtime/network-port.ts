import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { Pod, Service } from 'kubernetes-types/core/v1';
import type { InternetHost, ListenTarget, Peer, Verdict } from '../network/types.ts';
import type { ObjectStore } from '../store.ts';

export type { InternetHost, ListenTarget, Peer, Verdict } from '../network/types.ts';

/** Where a connection landed: the target and the port on it after Service translation. */
export interface Connection {
  verdict: Pick<Verdict, 'allowed' | 'cause' | 'message'>;
  target?: ListenTarget | { kind: 'apiserver' };
  port: number;
}

/**
 * What the runtime needs from the network engine (../network): DNS and where a
 * TCP connection goes and whether policy lets it. The cluster passes an adapter
 * over the engine; {@link createBasicNetwork} is the policy-free fallback used
 * when none is given (and in this directory's tests).
 */
export interface NetworkPort {
  /** A fully qualified name's A records, or undefined for NXDOMAIN. */
  resolve(fqdn: string, from: Peer): string[] | undefined;
  connect(from: Peer, ip: string, port: number): Connection;
  /**
   * Optional: a resolver lookup with the client's own search path that tells
   * NXDOMAIN from a DNS query NetworkPolicy dropped (the engine's adapter has it).
   */
  lookup?(
    name: string,
    from: Peer,
  ): { ips: string[]; name: string; server: string } | { error: 'NXDOMAIN' | 'TIMEOUT'; server: string };
}

const KUBERNETES_SERVICE_IP = '10.96.0.1';

/** A network with no NetworkPolicy: Services, DNS, NodePorts, the metadata endpoint and the apiserver. */
export function createBasicNetwork(store: ObjectStore, internet: InternetHost[] = []): NetworkPort {
  const pods = () => store.list({ group: '', resource: 'pods' }) as Pod[];
  const services = () => store.list({ group: '', resource: 'services' }) as Service[];
  const nodes = () => store.list({ group: '', resource: 'nodes' });
  const nodeIp = (n: KubeObject) =>
    ((n.status as { addresses?: { type: string; address: string }[] })?.addresses ?? []).find(
      (a) => a.type === 'InternalIP',
    )?.address;
  const ok = (target: Connection['target'], port: number): Connection => ({
    verdict: { allowed: true, cause: 'allowed', message: 'allowed' },
    target,
    port,
  });
  const fail = (cause: Verdict['cause'], message: string, port: number): Connection => ({
    verdict: { allowed: false, cause, message },
    port,
  });
  const selectorMatches = (sel: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
    !!sel && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels?.[k] === v);
  const ready = (p: Pod) =>
    p.status?.phase === 'Running' && !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  const targetPortOf = (pod: Pod, target: number | string | undefined, fallback: number) => {
    if (typeof target === 'number') return target;
    if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
    if (typeof target === 'string') {
      for (const c of pod.spec?.containers ?? [])
        for (const p of c.ports ?? []) if (p.name === target) return p.containerPort;
      return undefined;
    }
    return fallback;
  };
  const viaService = (svc: Service, port: number, byNodePort: boolean): Connection => {
    const sp = (svc.spec?.ports ?? []).find((p) => (byNodePort ? p.nodePort === port : p.port === port));
    if (!sp) return fail('no-service-port', `service ${svc.metadata?.name} has no port ${port}`, port);
    if (svc.metadata?.name === 'kubernetes' && svc.metadata.namespace === 'default')
      return ok({ kind: 'apiserver' }, 6443);
    const backends = pods().filter(
      (p) =>
        p.metadata?.namespace === svc.metadata?.namespace &&
        selectorMatches(svc.spec?.selector, p.metadata?.labels) &&
        ready(p),
    );
    for (const pod of backends) {
      const tp = targetPortOf(pod, sp.targetPort, sp.port);
      if (tp !== undefined) return ok({ kind: 'pod', pod }, tp);
    }
    return fail(
      'no-endpoints',
      `service ${svc.metadata?.namespace}/${svc.metadata?.name} has no ready endpoints`,
      port,
    );
  };
  return {
    resolve(fqdn, _from) {
      const name = fqdn.replace(/\.$/, '').toLowerCase();
      const svc = name.match(/^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/);
      if (svc) {
        const s = services().find((x) => x.metadata?.name === svc[1] && x.metadata?.namespace === svc[2]);
        if (!s) return undefined;
        if (s.spec?.clusterIP === 'None') {
          return pods()
            .filter(
              (p) =>
                p.metadata?.namespace === svc[2] && selectorMatches(s.spec?.selector, p.metadata?.labels) && ready(p),
            )
            .map((p) => p.status?.podIP ?? '')
            .filter(Boolean);
        }
        return s.spec?.clusterIP ? [s.spec.clusterIP] : undefined;
      }
      const podDns = name.match(/^(\d+)-(\d+)-(\d+)-(\d+)\.([a-z0-9-]+)\.pod\.cluster\.local$/);
      if (podDns) return [podDns.slice(1, 5).join('.')];
      for (const host of internet) if (host.names.includes(name)) return host.ips;
      const node = nodes().find((n) => n.metadata.name === name);
      const ip = node && nodeIp(node);
      return ip ? [ip] : undefined;
    },
    connect(_from, ip, port) {
      if (ip === '169.254.169.254')
        return port === 80 ? ok({ kind: 'metadata' }, 80) : fail('not-listening', 'refused', port);
      if (ip === KUBERNETES_SERVICE_IP && port === 443) return ok({ kind: 'apiserver' }, 6443);
      const svc = services().find((s) => s.spec?.clusterIP === ip || s.spec?.clusterIPs?.includes(ip));
      if (svc) return viaService(svc, port, false);
      const lb = services().find((s) => s.status?.loadBalancer?.ingress?.some((i) => i.ip === ip));
      if (lb) return viaService(lb, port, false);
      const node = nodes().find((n) => nodeIp(n) === ip);
      if (node) {
        const np = services().find(
          (s) =>
            (s.spec?.type === 'NodePort' || s.spec?.type === 'LoadBalancer') &&
            s.spec.ports?.some((p) => p.nodePort === port),
        );
        if (np) return viaService(np, port, true);
        const hostPod = pods().find((p) => p.spec?.hostNetwork && p.spec.nodeName === node.metadata.name);
        if (port === 6443 && node.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined)
          return ok({ kind: 'apiserver' }, 6443);
        if (hostPod) return ok({ kind: 'pod', pod: hostPod }, port);
        return ok({ kind: 'node', node: node as never }, port);
      }
      const pod = pods().find((p) => p.status?.podIP === ip && !p.spec?.hostNetwork);
      if (pod) return ok({ kind: 'pod', pod }, port);
      for (const host of internet) if (host.ips.includes(ip)) return ok({ kind: 'internet', host }, port);
      return fail('no-route', `no route to ${ip}`, port);
    },
  };
}
