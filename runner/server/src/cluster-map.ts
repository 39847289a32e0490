import type { ClusterMap, MapEdge, MapNode } from '@paranoid/api/cluster-map.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { KubeClient } from '@paranoid/kube/client.ts';
import { ClusterClient } from '@paranoid/kube/cluster-client.ts';
import type { Attack } from '@paranoid/schema/scenario.ts';
import { connect, groupNetworkObjects, reachabilityMatrix } from '@paranoid/sim/network/index.ts';
import { learnerKubeconfig } from './learner-kubeconfig.ts';
import type { ClusterHandle, Reachability } from './ports.ts';

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
  ['v1', 'Secret'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
  ['rbac.authorization.k8s.io/v1', 'Role'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
];

/** The map of a live cluster: objects read through its API, reachability from the network engine. */
export class NetworkMap implements Reachability {
  constructor(private readonly attacks: (scenarioId: string) => Attack[] = () => []) {}

  async map(cluster: ClusterHandle, scenarioId?: string): Promise<ClusterMap> {
    // The learner's own view: on a shared cluster (the namespace provider) only their namespaces.
    const client = new ClusterClient(learnerKubeconfig(cluster));
    const scopes = cluster.namespaces ? Object.values(cluster.namespaces) : [undefined];
    const lists = await Promise.all(
      KINDS.flatMap(([v, k]) => scopes.map((ns) => client.list(v, k, ns).catch(() => []))),
    );
    return buildClusterMap(lists.flat() as unknown as KubeObject[], scenarioId ? this.attacks(scenarioId) : []);
  }

  watch(
    cluster: ClusterHandle,
    scenarioId: string | undefined,
    onMap: (map: ClusterMap) => void,
    onEnd: (error?: Error) => void,
  ): () => void {
    const rest = new KubeClient(learnerKubeconfig(cluster));
    const scopes = cluster.namespaces ? Object.values(cluster.namespaces) : [undefined];
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
      for (const ns of scopes) {
        rest.path(apiVersion, kind, ns).then((path) => {
          if (!stopped) stops.push(rest.watch(path, refresh, (error) => finish(error)));
        }, finish);
      }
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
  ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
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

  const policies = of('NetworkPolicy');
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
      const direction = e.verdict.cause === 'ingress-denied' ? 'ingress' : 'egress';
      const refs = (direction === 'ingress' ? e.verdict.ingress : e.verdict.egress)?.policies ?? [];
      pair.denied.add(blockerText(policies, refs, direction));
    }
    pairs.set(key, pair);
  }
  for (const [key, pair] of pairs) {
    const [source, target] = key.split('>') as [string, string];
    if (pair.allowed.size > 0) {
      edges.push({ id: `e:${key}`, source, target, kind: 'reaches', label: `:${[...pair.allowed].join(',')}` });
    } else if (pair.denied.size > 0) {
      edges.push({ id: `e:${key}`, source, target, kind: 'blocked', label: [...pair.denied][0] });
    }
  }

  const workloadPods = new Map<string, KubeObject[]>();
  for (const pod of pods) {
    const id = podWorkload.get(`${meta(pod).namespace}/${meta(pod).name}`)!;
    workloadPods.set(id, [...(workloadPods.get(id) ?? []), pod]);
  }
  addHostAccess(objects, workloadPods, nodes, edges);
  addImages(workloadPods, nodes, edges);
  addRbacAndSecrets(objects, workloadPods, nodes, edges, userNs);
  addEgress(objects, workloadPods, edges, policies);

  markAttacks(attacks, { nodes, edges, pods, podWorkload, serviceTargets });
  return { nodes: [...nodes, ...[...namespaces].sort().map((ns) => nsNode(ns))], edges };
}

interface PolicyLike {
  metadata?: { namespace?: string; name?: string };
  spec?: { ingress?: unknown[]; egress?: unknown[] };
}

/**
 * Names what blocks a connection in words. NetworkPolicy has no deny rule: a pod is isolated by
 * every policy that selects it for that direction, and blocked when none of them allows the
 * connection. A policy with no rules for the direction is the deny the learner wrote; name it.
 * Otherwise say that none of the isolating policies allows it, naming them.
 */
function blockerText(
  policies: KubeObject[],
  refs: { namespace: string; name: string }[],
  direction: 'ingress' | 'egress',
): string {
  const specOf = (ref: { namespace: string; name: string }) =>
    policies.find((p) => meta(p).namespace === ref.namespace && meta(p).name === ref.name) as PolicyLike | undefined;
  const name = (ref: { namespace: string; name: string }) => `${ref.namespace}/${ref.name}`;
  const deny = refs.find((ref) => (specOf(ref)?.spec?.[direction] ?? []).length === 0);
  if (deny) return `${direction} blocked by ${name(deny)}`;
  if (refs.length === 0) return `${direction} blocked`;
  return `${direction} blocked: no rule of ${refs.map(name).join(', ')} allows it`;
}

interface PodSpecLike {
  hostPID?: boolean;
  hostIPC?: boolean;
  hostNetwork?: boolean;
  nodeName?: string;
  serviceAccountName?: string;
  volumes?: { name: string; hostPath?: { path: string }; secret?: { secretName?: string } }[];
  containers?: {
    image?: string;
    securityContext?: { privileged?: boolean; capabilities?: { add?: string[] } };
    volumeMounts?: { name: string; mountPath: string }[];
    env?: { valueFrom?: { secretKeyRef?: { name?: string } } }[];
    envFrom?: { secretRef?: { name?: string } }[];
  }[];
}
const specOfPod = (pod: KubeObject) => ((pod as { spec?: PodSpecLike }).spec ?? {}) as PodSpecLike;

/** A workload with host access leads to its node: hostPID, host IPC/network, privileged, SYS_ADMIN, hostPath mounts. */
function addHostAccess(
  objects: KubeObject[],
  workloadPods: Map<string, KubeObject[]>,
  nodes: MapNode[],
  edges: MapEdge[],
) {
  for (const [id, pods] of workloadPods) {
    for (const nodeName of new Set(pods.map((p) => specOfPod(p).nodeName).filter((n): n is string => !!n))) {
      const spec = specOfPod(pods.find((p) => specOfPod(p).nodeName === nodeName)!);
      const access: string[] = [];
      if (spec.hostPID) access.push('hostPID');
      if (spec.hostIPC) access.push('hostIPC');
      if (spec.hostNetwork) access.push('hostNetwork');
      if (spec.containers?.some((c) => c.securityContext?.privileged)) access.push('privileged');
      if (spec.containers?.some((c) => c.securityContext?.capabilities?.add?.some((cap) => /SYS_ADMIN$/.test(cap))))
        access.push('SYS_ADMIN');
      for (const v of spec.volumes ?? []) {
        if (!v.hostPath) continue;
        const at = spec.containers?.flatMap((c) => c.volumeMounts ?? []).find((m) => m.name === v.name)?.mountPath;
        access.push(`host path ${v.hostPath.path}${at ? ` at ${at}` : ''}`);
      }
      if (access.length === 0) continue;
      const node = `n:${nodeName}`;
      if (!nodes.some((n) => n.id === node)) {
        const plane = objects.find((o) => o.kind === 'Node' && meta(o).name === nodeName);
        const controlPlane = plane && 'node-role.kubernetes.io/control-plane' in (meta(plane).labels ?? {});
        nodes.push({ id: node, kind: 'Node', label: nodeName, ...(controlPlane ? { detail: 'control plane' } : {}) });
      }
      edges.push({ id: `e:${id}>${node}`, source: id, target: node, kind: 'escapes', label: access.join(', ') });
    }
  }
}

/** Each image a workload runs, with the registry it comes from. */
function addImages(workloadPods: Map<string, KubeObject[]>, nodes: MapNode[], edges: MapEdge[]) {
  for (const [id, pods] of workloadPods) {
    const images = new Set(pods.flatMap((p) => (specOfPod(p).containers ?? []).map((c) => c.image ?? '')));
    for (const image of images) {
      if (!image) continue;
      const ref = normaliseImage(image);
      const node = `i:${ref.full}`;
      if (!nodes.some((n) => n.id === node)) {
        nodes.push({ id: node, kind: 'Image', label: ref.full, detail: `registry ${ref.registry}` });
      }
      edges.push({ id: `e:${node}>${id}`, source: node, target: id, kind: 'runs' });
    }
  }
}

/** The container images of a pod or of a workload's pod template (any depth of `template`). */
function imagesOf(object: KubeObject): string[] {
  let spec = (object as { spec?: Record<string, unknown> }).spec;
  for (let depth = 0; spec && depth < 4 && !Array.isArray(spec.containers); depth++) {
    const next = (spec.template ?? spec.jobTemplate) as { spec?: Record<string, unknown> } | undefined;
    spec = next?.spec;
  }
  const containers = [
    ...((spec?.initContainers as { image?: string }[] | undefined) ?? []),
    ...((spec?.containers as { image?: string }[] | undefined) ?? []),
  ];
  return containers.map((c) => c.image ?? '').filter((i) => i !== '');
}

/** `registry/path` of a normalised image, without its tag or digest. */
function repositoryOf(full: string): string {
  const name = full.split('@')[0] ?? full;
  return name.replace(/:[^/]+$/, '');
}

/** `busybox` is `docker.io/library/busybox:latest`: the registry a learner must trust, spelled out. */
function normaliseImage(image: string): { full: string; registry: string } {
  const [name, digest] = image.split('@') as [string, string | undefined];
  const first = name.split('/')[0]!;
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'docker.io';
  let path = hasRegistry ? name.slice(first.length + 1) : name;
  if (!hasRegistry && !path.includes('/')) path = `library/${path}`;
  const tagged = /:[^/]+$/.test(path) ? path : digest ? path : `${path}:latest`;
  return { full: `${registry}/${tagged}${digest ? `@${digest.slice(0, 19)}…` : ''}`, registry };
}

interface RuleLike {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}
interface BindingLike {
  metadata?: { namespace?: string; name?: string };
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

/**
 * RBAC as the attack uses it: each workload's service account, the roles bound to it (directly or
 * through its groups), and the Secrets those roles may read; and the Secrets workloads take in.
 */
function addRbacAndSecrets(
  objects: KubeObject[],
  workloadPods: Map<string, KubeObject[]>,
  nodes: MapNode[],
  edges: MapEdge[],
  userNs: (ns: string | undefined) => boolean,
) {
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const secrets = of('Secret').filter(
    (s) => userNs(meta(s).namespace) && (s as { type?: string }).type !== 'kubernetes.io/service-account-token',
  );
  const secretNode = (ns: string, name: string) => {
    const id = `sec:${ns}/${name}`;
    if (!nodes.some((n) => n.id === id)) nodes.push({ id, kind: 'Secret', label: name, namespace: ns });
    return id;
  };
  const rulesOf = (kind: string, name: string, ns?: string): RuleLike[] => {
    const role = objects.find(
      (o) => o.kind === kind && meta(o).name === name && (kind === 'ClusterRole' || meta(o).namespace === ns),
    );
    return ((role as { rules?: RuleLike[] } | undefined)?.rules ?? []) as RuleLike[];
  };
  const readsSecrets = (rule: RuleLike) =>
    (rule.apiGroups ?? []).some((g) => g === '' || g === '*') &&
    (rule.resources ?? []).some((r) => r === 'secrets' || r === '*') &&
    (rule.verbs ?? []).some((v) => v === 'get' || v === 'list' || v === '*');

  const bindings = [...of('RoleBinding'), ...of('ClusterRoleBinding')] as unknown as (BindingLike & {
    kind: string;
  })[];
  for (const [id, pods] of workloadPods) {
    const ns = meta(pods[0]!).namespace!;
    const sa = specOfPod(pods[0]!).serviceAccountName ?? 'default';
    const groups = ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'];
    for (const b of bindings) {
      const hit = (b.subjects ?? []).some(
        (s) =>
          (s.kind === 'ServiceAccount' && s.name === sa && (s.namespace ?? b.metadata?.namespace) === ns) ||
          (s.kind === 'Group' && groups.includes(s.name)),
      );
      if (!hit || !b.roleRef) continue;
      // The built-in bindings every account has (discovery, basic-user): not part of any attack path.
      if (b.roleRef.name.startsWith('system:') || (b.metadata?.name ?? '').startsWith('system:')) continue;
      const bindingNs = b.kind === 'RoleBinding' ? b.metadata?.namespace : undefined;
      if (bindingNs && SYSTEM_NAMESPACES.has(bindingNs)) continue;
      const roleId = `r:${b.roleRef.kind}/${bindingNs ?? ''}/${b.roleRef.name}`;
      const scope = bindingNs ? `in namespace ${bindingNs}` : 'cluster-wide';
      if (!nodes.some((n) => n.id === roleId)) {
        nodes.push({ id: roleId, kind: 'Role', label: `${b.roleRef.kind} ${b.roleRef.name}`, detail: scope });
        const rules = rulesOf(b.roleRef.kind, b.roleRef.name, bindingNs);
        for (const rule of rules.filter(readsSecrets)) {
          for (const secret of secrets) {
            if (bindingNs && meta(secret).namespace !== bindingNs) continue;
            if (rule.resourceNames?.length && !rule.resourceNames.includes(meta(secret).name)) continue;
            const target = secretNode(meta(secret).namespace!, meta(secret).name);
            if (!edges.some((e) => e.source === roleId && e.target === target)) {
              edges.push({ id: `e:${roleId}>${target}`, source: roleId, target, kind: 'reads', label: 'may read' });
            }
          }
        }
      }
      const via = `${b.kind} ${b.metadata?.namespace ? `${b.metadata.namespace}/` : ''}${b.metadata?.name ?? ''}`;
      edges.push({
        id: `e:${id}>${roleId}:${via}`,
        source: id,
        target: roleId,
        kind: 'bound',
        label: `service account ${sa}, ${via}`,
      });
    }
    // The Secrets its pods take in: env, envFrom, volumes.
    const used = new Set<string>();
    for (const pod of pods) {
      const spec = specOfPod(pod);
      for (const v of spec.volumes ?? []) if (v.secret?.secretName) used.add(v.secret.secretName);
      for (const c of spec.containers ?? []) {
        for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) used.add(e.valueFrom.secretKeyRef.name);
        for (const e of c.envFrom ?? []) if (e.secretRef?.name) used.add(e.secretRef.name);
      }
    }
    for (const name of used) {
      const target = secretNode(ns, name);
      edges.push({ id: `e:${id}>${target}`, source: id, target, kind: 'uses', label: 'in its pods' });
    }
  }
}

/**
 * A public host for "the internet" from inside: what the network engine judges egress against
 * (an address of the documentation range, listening on HTTPS), whatever hosts the scenario has.
 */
const INTERNET_PROBE = { ip: '198.51.100.7', port: 443 } as const;
const INTERNET_HOST = { names: ['the internet'], ips: [INTERNET_PROBE.ip], ports: [{ port: 443 }] };

/** Whether each workload may open connections to the internet, under its egress policies. */
function addEgress(
  objects: KubeObject[],
  workloadPods: Map<string, KubeObject[]>,
  edges: MapEdge[],
  policies: KubeObject[],
) {
  let network: ReturnType<typeof groupNetworkObjects>;
  try {
    network = groupNetworkObjects(objects);
  } catch {
    return;
  }
  for (const [id, pods] of workloadPods) {
    const pod = pods[0]!;
    let result: ReturnType<typeof connect>;
    try {
      result = connect(
        network,
        { kind: 'pod', namespace: meta(pod).namespace!, name: meta(pod).name },
        INTERNET_PROBE,
        { internet: [INTERNET_HOST] },
      );
    } catch {
      continue;
    }
    if (result.allowed) {
      edges.push({ id: `e:${id}>internet`, source: id, target: 'internet', kind: 'egress', label: 'to the internet' });
    } else if (result.reason.cause === 'egress-denied') {
      const refs = result.reason.egress?.policies ?? [];
      edges.push({
        id: `e:${id}>internet`,
        source: id,
        target: 'internet',
        kind: 'blocked',
        label: blockerText(policies, refs, 'egress'),
      });
    }
  }
}

function nsNode(ns: string): MapNode {
  return { id: `ns:${ns}`, kind: 'Namespace', label: ns };
}

function markAttacks(
  attacks: Attack[],
  ctx: {
    nodes: MapNode[];
    edges: MapEdge[];
    pods: KubeObject[];
    podWorkload: Map<string, string>;
    serviceTargets: Map<string, Set<string>>;
  },
) {
  // An open edge carries the attack on; a blocked one stops it there, and nothing past it is the path.
  const mark = (source: string, target: string, kinds?: MapEdge['kind'][]): boolean => {
    let open = false;
    for (const e of ctx.edges) {
      if (e.source !== source || e.target !== target || (kinds && !kinds.includes(e.kind))) continue;
      if (e.kind === 'blocked') e.stopsAttack = true;
      else {
        e.attack = true;
        open = true;
      }
    }
    return open;
  };
  const workloadsOf = (ref: { namespace: string; name?: string; selector?: Record<string, string> }) => {
    const out = new Set<string>();
    for (const pod of ctx.pods) {
      const m = meta(pod);
      if (m.namespace !== ref.namespace) continue;
      if (ref.name && m.name !== ref.name) continue;
      if (ref.selector && !Object.entries(ref.selector).every(([k, v]) => m.labels?.[k] === v)) continue;
      const w = ctx.podWorkload.get(`${m.namespace}/${m.name}`);
      if (w) out.add(w);
    }
    return out;
  };
  // A sequence's steps each mark what they touch.
  const probes = attacks.flatMap((a) => {
    const p = a.probe as { kind: string; steps?: unknown[] };
    return p.kind === 'sequence' && p.steps ? p.steps : [p];
  });
  for (const step of probes) {
    const probe = step as {
      kind: string;
      to?: { service?: { namespace: string; name: string }; host?: string };
      from?: { namespace: string; name?: string; selector?: Record<string, string> }[];
      pod?: { namespace: string; name?: string; selector?: Record<string, string> };
      imageOf?: { namespace: string; name?: string; selector?: Record<string, string> };
      command?: string[];
      subject?: { serviceAccount?: { namespace: string; name: string } };
      create?: KubeObject;
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
      if (mark('internet', svc)) for (const t of ctx.serviceTargets.get(svc) ?? []) mark(svc, t);
      // A request the app relays to the cloud's metadata address (an SSRF): the app's pods reach
      // the metadata service of the node each runs on.
      const path = (step as { path?: string }).path ?? '';
      if (svc && /169\.254\.169\.254/.test(safeDecode(path))) {
        const relays = new Set(ctx.serviceTargets.get(svc) ?? []);
        for (const pod of ctx.pods) {
          const m = meta(pod);
          const w = ctx.podWorkload.get(`${m.namespace}/${m.name}`);
          const nodeName = specOfPod(pod).nodeName;
          if (!w || !nodeName || !relays.has(w)) continue;
          const node = `n:${nodeName}`;
          if (!ctx.nodes.some((n) => n.id === node)) ctx.nodes.push({ id: node, kind: 'Node', label: nodeName });
          const id = `e:${w}>${node}:metadata`;
          if (!ctx.edges.some((e) => e.id === id)) {
            ctx.edges.push({
              id,
              source: w,
              target: node,
              kind: 'reaches',
              label: 'instance metadata 169.254.169.254',
              attack: true,
            });
          }
        }
      }
    }
    if (probe.kind === 'reachability' && probe.from) {
      const froms = new Set(probe.from.flatMap((ref) => [...workloadsOf(ref)]));
      if (svc) {
        for (const from of froms) for (const t of ctx.serviceTargets.get(svc) ?? []) mark(from, t);
      } else if (probe.to?.host) {
        for (const from of froms) mark(from, 'internet', ['egress', 'blocked']);
      }
    }
    if (probe.kind === 'exec' && probe.pod) {
      // What runs in the pod and what it reaches on its node.
      for (const w of workloadsOf(probe.pod)) {
        for (const e of ctx.edges) {
          if (e.kind === 'escapes' && e.source === w) e.attack = true;
          if (e.kind === 'runs' && e.target === w) e.attack = true;
        }
      }
      // A command that calls its own node (`{{hostIP}}:PORT`, the kubelet's API) reaches that node.
      const ports = new Set(
        (probe.command ?? []).flatMap((word) => [...word.matchAll(/\{\{hostIP\}\}:(\d+)/g)].map((m) => m[1]!)),
      );
      if (ports.size > 0) {
        const label = [...ports].map((p) => `:${p}`).join(',');
        for (const pod of ctx.pods) {
          const m = meta(pod);
          const w = ctx.podWorkload.get(`${m.namespace}/${m.name}`);
          const nodeName = specOfPod(pod).nodeName;
          if (!w || !nodeName || !workloadsOf(probe.pod).has(w)) continue;
          const node = `n:${nodeName}`;
          if (!ctx.nodes.some((n) => n.id === node)) ctx.nodes.push({ id: node, kind: 'Node', label: nodeName });
          const id = `e:${w}>${node}:kubelet`;
          const edge = ctx.edges.find((e) => e.id === id);
          if (edge) edge.attack = true;
          else
            ctx.edges.push({ id, source: w, target: node, kind: 'reaches', label: `node API ${label}`, attack: true });
        }
      }
    }
    if (probe.kind === 'exec' && probe.imageOf) {
      // An attack that reads what a workload's image holds (layers, history) goes through the image.
      for (const w of workloadsOf(probe.imageOf)) {
        for (const e of ctx.edges) if (e.kind === 'runs' && e.target === w) e.attack = true;
      }
    }
    if (probe.kind === 'dry-run' && probe.create) {
      // An image the attack gets admitted: wherever one of its repository already runs, that is the path in.
      const wanted = new Set(imagesOf(probe.create).map((i) => repositoryOf(normaliseImage(i).full)));
      for (const e of ctx.edges) {
        if (e.kind === 'runs' && e.source.startsWith('i:') && wanted.has(repositoryOf(e.source.slice(2)))) {
          e.attack = true;
        }
      }
    }
    if (probe.kind === 'access-review' && probe.subject?.serviceAccount) {
      const { namespace, name } = probe.subject.serviceAccount;
      for (const e of ctx.edges) {
        if (e.kind !== 'bound' || !e.source.startsWith(`w:${namespace}/`)) continue;
        if (!e.label?.startsWith(`service account ${name},`)) continue;
        e.attack = true;
        for (const r of ctx.edges) if (r.kind === 'reads' && r.source === e.target) r.attack = true;
      }
    }
  }
}

/** A URL path percent-decoded, or as it is when it does not decode (a lone `%`). */
function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
