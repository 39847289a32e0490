import type { KubeObject } from '@paranoid/k8s/object.ts';
import { KubeClient } from '@paranoid/kube/client.ts';
import { ClusterClient } from '@paranoid/kube/cluster-client.ts';
import type { Attack } from '@paranoid/schema/scenario.ts';
import { groupNetworkObjects, reachabilityMatrix } from '@paranoid/sim/network/index.ts';
import type { ClusterHandle, ClusterMap, MapEdge, MapNode, Reachability } from './ports.ts';

const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

/** What the map reads, kind by kind, through the API. */
const KINDS: [apiVersion: string, kind: string][] = [
  ['v1', 'Namespace'],
  ['v1', 'Pod'],
  ['v1', 'Service'],
  ['v1', 'Endpoints'],
  ['discovery.k8s.io/v1', 'EndpointSlice'],
  ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['networking.k8s.io/v1', 'Ingress'],
  ['v1', 'Node'],
  ['apps/v1', 'ReplicaSet'],
];

/** The map of a live cluster: objects read through its API, reachability from the network engine. */
export class NetworkMap implements Reachability {
  constructor(private readonly attacks: (scenarioId: string) => Attack[] = () => []) {}

  async map(cluster: ClusterHandle, scenarioId?: string): Promise<ClusterMap> {
    const client = new ClusterClient(cluster.kubeconfig);
    const lists = await Promise.all(KINDS.map(([v, k]) => client.list(v, k).catch(() => [])));
    return buildClusterMap(lists.flat() as unknown as KubeObject[], scenarioId ? this.attacks(scenarioId) : []);
  }

  watch(
    cluster: ClusterHandle,
    scenarioId: string | undefined,
    onMap: (map: ClusterMap) => void,
    onEnd: (error?: Error) => void,
  ): () => void {
    const rest = new KubeClient(cluster.kubeconfig);
    const stops: (() => void)[] = [];
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      for (const s of stops) s();
    };
    const finish = (error?: Error) => {
      if (stopped) return;
      stop();
      onEnd(error);
    };
    // Changes come in bursts (a rollout touches many pods): draw once the burst settles.
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.map(cluster, scenarioId).then((map) => !stopped && onMap(map), finish);
      }, WATCH_SETTLE_MS);
    };
    for (const [apiVersion, kind] of WATCHED) {
      rest.path(apiVersion, kind).then((path) => {
        if (!stopped) stops.push(rest.watch(path, refresh, (error) => finish(error)));
      }, finish);
    }
    refresh();
    return stop;
  }
}

const WATCH_SETTLE_MS = 250;
/** The kinds whose changes redraw the map. */
const WATCHED: [apiVersion: string, kind: string][] = [
  ['v1', 'Pod'],
  ['v1', 'Service'],
  ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['networking.k8s.io/v1', 'Ingress'],
];

interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  ownerReferences?: { kind: string; name: string }[];
}

const meta = (o: KubeObject) => (o.metadata ?? {}) as Meta;

/**
 * Pure: draws namespaces, workloads (pods grouped by their owning Deployment,
 * StatefulSet, DaemonSet or Job), Services, what the internet reaches, and the
 * pod-to-pod verdicts of NetworkPolicy, aggregated per pair of workloads. Edges
 * on a scenario's attack probes are marked.
 */
export function buildClusterMap(objects: KubeObject[], attacks: Attack[]): ClusterMap {
  const userNs = (ns: string | undefined) => ns !== undefined && !SYSTEM_NAMESPACES.has(ns);
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const replicaSets = new Map(of('ReplicaSet').map((rs) => [`${meta(rs).namespace}/${meta(rs).name}`, rs]));
  const pods = of('Pod').filter((p) => userNs(meta(p).namespace));
  const services = of('Service').filter((s) => userNs(meta(s).namespace) && meta(s).name !== 'kubernetes');
  const ingresses = of('Ingress');

  const workloadOf = (pod: KubeObject): { kind: string; name: string } => {
    const owner = meta(pod).ownerReferences?.[0];
    if (!owner) return { kind: 'Pod', name: meta(pod).name };
    if (owner.kind === 'ReplicaSet') {
      const rs = replicaSets.get(`${meta(pod).namespace}/${owner.name}`);
      const top = rs ? meta(rs).ownerReferences?.[0] : undefined;
      // Without the ReplicaSet, the Deployment's name is the ReplicaSet's minus its hash.
      return top ?? { kind: 'Deployment', name: owner.name.replace(/-[a-z0-9]{5,10}$/, '') };
    }
    return { kind: owner.kind, name: owner.name };
  };

  const nodes: MapNode[] = [{ id: 'internet', kind: 'Internet', label: 'Internet' }];
  const edges: MapEdge[] = [];
  const namespaces = new Set<string>();
  const podWorkload = new Map<string, string>();
  const workloadDetail = new Map<string, Set<string>>();

  for (const pod of pods) {
    const ns = meta(pod).namespace!;
    namespaces.add(ns);
    const w = workloadOf(pod);
    const id = `w:${ns}/${w.kind}/${w.name}`;
    podWorkload.set(`${ns}/${meta(pod).name}`, id);
    if (!workloadDetail.has(id)) {
      workloadDetail.set(id, new Set([w.kind]));
      nodes.push({ id, kind: 'Workload', label: w.name, namespace: ns });
    }
    const spec = (
      pod as { spec?: { hostNetwork?: boolean; containers?: { securityContext?: { privileged?: boolean } }[] } }
    ).spec;
    if (spec?.containers?.some((c) => c.securityContext?.privileged)) workloadDetail.get(id)!.add('privileged');
    if (spec?.hostNetwork) workloadDetail.get(id)!.add('hostNetwork');
  }
  for (const node of nodes) if (node.kind === 'Workload') node.detail = [...workloadDetail.get(node.id)!].join(', ');

  const exposedByIngress = new Set<string>();
  for (const ing of ingresses) {
    const ns = meta(ing).namespace;
    const text = JSON.stringify((ing as { spec?: unknown }).spec ?? {});
    for (const m of text.matchAll(/"service":\{"name":"([^"]+)"/g)) exposedByIngress.add(`${ns}/${m[1]}`);
  }

  const serviceTargets = new Map<string, Set<string>>();
  for (const svc of services) {
    const ns = meta(svc).namespace!;
    namespaces.add(ns);
    const spec = (
      svc as {
        spec?: { type?: string; selector?: Record<string, string>; ports?: { port: number; nodePort?: number }[] };
      }
    ).spec;
    const type = spec?.type ?? 'ClusterIP';
    const id = `s:${ns}/${meta(svc).name}`;
    const exposed = type === 'NodePort' || type === 'LoadBalancer' || exposedByIngress.has(`${ns}/${meta(svc).name}`);
    const ports = (spec?.ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}` : `${p.port}`)).join(',');
    nodes.push({
      id,
      kind: 'Service',
      label: meta(svc).name,
      namespace: ns,
      detail: `${type} ${ports}`.trim(),
      exposed,
    });
    if (exposed) {
      edges.push({ id: `e:internet>${id}`, source: 'internet', target: id, kind: 'exposes', label: type });
    }
    const targets = new Set<string>();
    const selector = spec?.selector;
    if (selector && Object.keys(selector).length > 0) {
      for (const pod of pods) {
        if (meta(pod).namespace !== ns) continue;
        const labels = meta(pod).labels ?? {};
        if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
        targets.add(podWorkload.get(`${ns}/${meta(pod).name}`)!);
      }
    }
    serviceTargets.set(id, targets);
    for (const t of targets) edges.push({ id: `e:${id}>${t}`, source: id, target: t, kind: 'selects' });
  }

  // NetworkPolicy verdicts, pod to pod, folded into one edge per pair of workloads.
  const pairs = new Map<string, { allowed: Set<string>; denied: Set<string> }>();
  let entries: ReturnType<typeof reachabilityMatrix> = [];
  try {
    entries = reachabilityMatrix(groupNetworkObjects(objects), { namespaces: [...namespaces] });
  } catch {
    entries = [];
  }
  for (const e of entries) {
    const from = podWorkload.get(`${e.from.namespace}/${e.from.name}`);
    const to = podWorkload.get(`${e.to.namespace}/${e.to.name}`);
    if (!from || !to || from === to) continue;
    const key = `${from}>${to}`;
    const pair = pairs.get(key) ?? { allowed: new Set(), denied: new Set() };
    if (e.allowed) pair.allowed.add(String(e.port));
    else if (e.verdict.cause === 'ingress-denied' || e.verdict.cause === 'egress-denied') {
      const policy = (e.verdict.cause === 'ingress-denied' ? e.verdict.ingress : e.verdict.egress)?.policies[0];
      pair.denied.add(policy ? `${policy.namespace}/${policy.name}` : 'policy');
    }
    pairs.set(key, pair);
  }
  for (const [key, pair] of pairs) {
    const [source, target] = key.split('>') as [string, string];
    if (pair.allowed.size > 0) {
      edges.push({ id: `e:${key}`, source, target, kind: 'reaches', label: `:${[...pair.allowed].join(',')}` });
    } else if (pair.denied.size > 0) {
      edges.push({ id: `e:${key}`, source, target, kind: 'blocked', label: `blocked by ${[...pair.denied][0]}` });
    }
  }

  markAttacks(attacks, { edges, pods, podWorkload, serviceTargets });
  return { nodes: [...nodes, ...[...namespaces].sort().map((ns) => nsNode(ns))], edges };
}

function nsNode(ns: string): MapNode {
  return { id: `ns:${ns}`, kind: 'Namespace', label: ns };
}

function markAttacks(
  attacks: Attack[],
  ctx: {
    edges: MapEdge[];
    pods: KubeObject[];
    podWorkload: Map<string, string>;
    serviceTargets: Map<string, Set<string>>;
  },
) {
  const mark = (source: string, target: string) => {
    for (const e of ctx.edges) if (e.source === source && e.target === target) e.attack = true;
  };
  for (const attack of attacks) {
    const probe = attack.probe as {
      kind: string;
      to?: { service?: { namespace: string; name: string } };
      from?: { namespace: string; name?: string; selector?: Record<string, string> }[];
    };
    const svc = probe.to?.service ? `s:${probe.to.service.namespace}/${probe.to.service.name}` : undefined;
    if (probe.kind === 'internet' && svc) {
      const exposed = ctx.edges.some((e) => e.source === 'internet' && e.target === svc);
      if (!exposed && ctx.serviceTargets.has(svc)) {
        // Fixed: draw the door that is now shut.
        ctx.edges.push({
          id: `e:internet>${svc}:closed`,
          source: 'internet',
          target: svc,
          kind: 'blocked',
          label: 'not exposed',
        });
      }
      mark('internet', svc);
      for (const t of ctx.serviceTargets.get(svc) ?? []) mark(svc, t);
    }
    if (probe.kind === 'reachability' && svc && probe.from) {
      const targets = ctx.serviceTargets.get(svc) ?? new Set<string>();
      for (const ref of probe.from) {
        for (const pod of ctx.pods) {
          const m = meta(pod);
          if (m.namespace !== ref.namespace) continue;
          if (ref.name && m.name !== ref.name) continue;
          if (ref.selector && !Object.entries(ref.selector).every(([k, v]) => m.labels?.[k] === v)) continue;
          const from = ctx.podWorkload.get(`${m.namespace}/${m.name}`);
          if (from) for (const t of targets) mark(from, t);
        }
      }
    }
  }
}
