import type { NetworkContext } from './context.ts';
import { podEndpoint } from './context.ts';
import { directionPorts, judgeDirectionPorts } from './policy.ts';
import { intersect, type PortSet, type Protocol } from './port-set.ts';
import { protocolOf, targetPortOn } from './service.ts';
import type { PodInfo } from './topology.ts';
import type { DirectionVerdict, ObjectRef, Verdict } from './types.ts';

/** Which pods a reachability matrix covers. */
export interface ReachabilityQuery {
  /** Only pods in these namespaces, as sources and as destinations. Default: every namespace. */
  namespaces?: string[];
  /**
   * Ports to probe on every destination. Default: each destination's declared
   * container ports, or if it declares none, the target ports of Services that select it.
   */
  ports?: Array<{ port: number; protocol?: Protocol }>;
}

/** One (source pod, destination pod, port) and NetworkPolicy's decision on it. */
export interface ReachabilityEntry {
  from: ObjectRef;
  to: ObjectRef;
  port: number;
  protocol: Protocol;
  /** The container port's name, when the destination declares one. */
  portName?: string;
  allowed: boolean;
  verdict: Verdict;
}

interface ProbePort {
  port: number;
  protocol: Protocol;
  name?: string;
}

function portsOf(ctx: NetworkContext, pod: PodInfo): ProbePort[] {
  const out: ProbePort[] = [];
  const seen = new Set<string>();
  const add = (p: ProbePort) => {
    const key = `${p.protocol}/${p.port}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(p);
  };
  for (const c of pod.pod.spec?.containers ?? []) {
    for (const p of c.ports ?? [])
      add({ port: p.containerPort, protocol: protocolOf(p), ...(p.name ? { name: p.name } : {}) });
  }
  if (out.length > 0) return out;
  for (const svc of ctx.topology.services) {
    const selector = svc.spec?.selector;
    if (!selector || (svc.metadata?.namespace || 'default') !== pod.namespace) continue;
    if (!Object.entries(selector).every(([k, v]) => pod.labels[k] === v)) continue;
    for (const sp of svc.spec?.ports ?? []) {
      const port = targetPortOn(pod, sp);
      if (port !== undefined) add({ port, protocol: protocolOf(sp) });
    }
  }
  return out;
}

const ref = (pod: PodInfo): ObjectRef => ({ namespace: pod.namespace, name: pod.name });

/** Pods that can take part: running with an address, in the chosen namespaces. */
export function matrixPods(ctx: NetworkContext, namespaces?: string[]): PodInfo[] {
  const only = namespaces ? new Set(namespaces) : undefined;
  return ctx.topology.pods.filter((p) => p.running && p.ip && (!only || only.has(p.namespace)));
}

/**
 * NetworkPolicy's verdict for every ordered pair of distinct pods and every
 * port of interest on the destination. Judges policy only (egress of the
 * source, ingress of the destination); whether a process listens is the runtime's.
 */
export function reachabilityIn(ctx: NetworkContext, query: ReachabilityQuery = {}): ReachabilityEntry[] {
  const pods = matrixPods(ctx, query.namespaces);
  const fixed: ProbePort[] | undefined = query.ports?.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' }));
  const out: ReachabilityEntry[] = [];
  const refs = new Map(pods.map((p) => [p, ref(p)]));
  // Allowed verdicts repeat (the same two rules admit many pairs): share one object per pair of reasons.
  const both = new Map<DirectionVerdict, Map<DirectionVerdict, Verdict>>();
  const allowedVerdict = (egress: DirectionVerdict, ingress: DirectionVerdict): Verdict => {
    let inner = both.get(egress);
    if (!inner) {
      inner = new Map();
      both.set(egress, inner);
    }
    let verdict = inner.get(ingress);
    if (verdict === undefined) {
      const message = `allowed: ${egress.message.slice('allowed: '.length)}; ${ingress.message.slice('allowed: '.length)}`;
      verdict = { allowed: true, cause: 'allowed', message, egress, ingress };
      inner.set(ingress, verdict);
    }
    return verdict;
  };
  for (const dstPod of pods) {
    const ports = fixed ?? portsOf(ctx, dstPod);
    if (ports.length === 0) continue;
    const dst = podEndpoint(dstPod);
    for (const srcPod of pods) {
      if (srcPod === dstPod) continue;
      const src = podEndpoint(srcPod);
      const egressAll = judgeDirectionPorts(ctx.index, 'egress', src, dst, ports);
      const ingressAll = judgeDirectionPorts(ctx.index, 'ingress', src, dst, ports);
      for (let i = 0; i < ports.length; i++) {
        const p = ports[i]!;
        const egress = egressAll[i]!;
        const ingress = ingressAll[i]!;
        const allowed = egress.allowed && ingress.allowed;
        const verdict: Verdict = allowed
          ? allowedVerdict(egress, ingress)
          : {
              allowed,
              cause: egress.allowed ? 'ingress-denied' : 'egress-denied',
              message: (egress.allowed ? ingress : egress).message,
              egress,
              ingress,
            };
        out.push({
          from: refs.get(srcPod)!,
          to: refs.get(dstPod)!,
          port: p.port,
          protocol: p.protocol,
          ...(p.name ? { portName: p.name } : {}),
          allowed,
          verdict,
        });
      }
    }
  }
  return out;
}

/** Every (protocol, port) NetworkPolicy lets one pod open to another: egress of the source ∩ ingress of the destination. */
export function podConnectionsIn(ctx: NetworkContext, from: PodInfo, to: PodInfo): PortSet {
  const src = podEndpoint(from);
  const dst = podEndpoint(to);
  return intersect(directionPorts(ctx.index, 'egress', src, dst), directionPorts(ctx.index, 'ingress', src, dst));
}
