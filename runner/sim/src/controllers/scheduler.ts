import { quantityValue as parseQuantity } from '@paranoid/k8s/quantity.ts';
import type { Container, NodeSelector, PodCondition } from 'kubernetes-types/core/v1';
import type { StoreEvent } from '../store.ts';
import type { ControllerEnv } from './env.ts';
import { interPodFailure, interPodScore, type PlacedPod, spreadFailure } from './inter-pod.ts';
import type { Controller, WorkQueue } from './manager.ts';
import { controllerRef, deepEqual, objectKey, rfc3339, splitKey } from './meta.ts';
import { isPodFinished } from './pod-util.ts';
import { R, sameResource } from './resources.ts';
import { matchesMap, matchesNodeSelector } from './selector.ts';
import { untoleratedTaint } from './taints.ts';
import type { NodeObject, PodObject } from './types.ts';

const COMPONENT = 'default-scheduler';
/** The queue key that means "try every pending pod again" (a node appeared, a pod left). */
const ALL_PENDING = '\u0000pending';

const isOurs = (pod: PodObject): boolean =>
  !pod.spec?.nodeName &&
  (pod.spec?.schedulerName ?? COMPONENT) === COMPONENT &&
  !pod.metadata.deletionTimestamp &&
  !isPodFinished(pod);

/** A filter failure: its text, and whether evicting pods could ever fix it. */
interface Failure {
  reason: string;
  resolvableByPreemption: boolean;
}

function podRequests(pod: PodObject): Record<string, number> {
  const add = (into: Record<string, number>, c: Container) => {
    for (const [k, v] of Object.entries(c.resources?.requests ?? {}))
      into[k] = (into[k] ?? 0) + (parseQuantity(v) ?? 0);
  };
  const total: Record<string, number> = {};
  for (const c of pod.spec.containers ?? []) add(total, c);
  for (const c of pod.spec.initContainers ?? []) {
    const one: Record<string, number> = {};
    add(one, c);
    for (const [k, v] of Object.entries(one)) total[k] = Math.max(total[k] ?? 0, v);
  }
  for (const [k, v] of Object.entries(pod.spec.overhead ?? {})) total[k] = (total[k] ?? 0) + (parseQuantity(v) ?? 0);
  return total;
}

const hostPorts = (pod: PodObject): string[] =>
  (pod.spec.containers ?? []).flatMap((c) =>
    (c.ports ?? []).filter((p) => p.hostPort).map((p) => `${p.protocol ?? 'TCP'}/${p.hostPort}`),
  );

/**
 * The default scheduler's filters and a small scoring: binds pending pods to
 * nodes honouring unschedulable, taints/tolerations, nodeSelector and required
 * node affinity, host ports and resource requests; spreads a controller's pods
 * across nodes. When nothing fits, the pod's PodScheduled condition and a
 * FailedScheduling event say why, in the scheduler's words.
 */
export class Scheduler implements Controller {
  readonly name = COMPONENT;

  constructor(private readonly env: ControllerEnv) {}

  onEvent(event: StoreEvent, queue: WorkQueue): void {
    const { object, old } = event;
    if (sameResource(event.resource, R.pods)) {
      const pod = object as PodObject;
      if (event.type === 'DELETED') {
        if (pod.spec?.nodeName) queue.add(ALL_PENDING);
      } else if (
        isOurs(pod) &&
        (event.type === 'ADDED' || !deepEqual(pod.spec, (old as PodObject | undefined)?.spec))
      ) {
        queue.add(objectKey(pod));
      } else if (pod.spec?.nodeName) {
        // A pod that just landed, finished or changed labels can make room for, or attract, pending pods.
        const before = old as PodObject | undefined;
        const landed = !before?.spec?.nodeName;
        const finished = isPodFinished(pod) && !(before && isPodFinished(before));
        if (landed || finished || !deepEqual(pod.metadata.labels, before?.metadata.labels)) queue.add(ALL_PENDING);
      }
    } else if (sameResource(event.resource, R.nodes)) {
      const n = object as NodeObject;
      const o = old as NodeObject | undefined;
      if (
        event.type === 'ADDED' ||
        (event.type === 'MODIFIED' &&
          (!deepEqual(n.spec, o?.spec) ||
            !deepEqual(n.metadata.labels, o?.metadata.labels) ||
            !deepEqual(n.status?.allocatable, o?.status?.allocatable)))
      ) {
        queue.add(ALL_PENDING);
      }
    }
  }

  resync(queue: WorkQueue): void {
    queue.add(ALL_PENDING);
  }

  reconcile(key: string, queue: WorkQueue): void {
    const { store } = this.env;
    if (key === ALL_PENDING) {
      for (const p of this.env.lister.list(R.pods) as PodObject[]) if (isOurs(p)) queue.add(objectKey(p));
      return;
    }
    const { namespace, name } = splitKey(key);
    const pod = store.get(R.pods, namespace, name) as PodObject | undefined;
    if (!pod || !isOurs(pod)) return;
    const nodes = this.env.lister.list(R.nodes) as NodeObject[];
    const pods = (this.env.lister.list(R.pods) as PodObject[]).filter((p) => p.spec?.nodeName && !isPodFinished(p));
    const byName = new Map(nodes.map((n) => [n.metadata.name ?? '', n]));
    const placed: PlacedPod[] = pods.map((p) => ({ pod: p, node: byName.get(p.spec.nodeName ?? '') }));
    const nsLabels = (ns: string) =>
      this.env.lister.list(R.namespaces).find((n) => n.metadata.name === ns)?.metadata.labels;
    const failures = new Map<string, Failure[]>();
    const fits: NodeObject[] = [];
    for (const node of nodes) {
      let f = this.filter(
        pod,
        node,
        pods.filter((p) => p.spec.nodeName === node.metadata.name),
      );
      if (!f.length) {
        // Filter order as upstream: PodTopologySpread, then InterPodAffinity.
        const spread = spreadFailure(pod, node, nodes, placed);
        const inter = spread ? undefined : interPodFailure(pod, node, placed, nsLabels);
        f = spread ? [spread] : inter ? [inter] : [];
      }
      if (f.length) failures.set(node.metadata.name ?? '', f);
      else fits.push(node);
    }
    if (fits.length === 0) {
      this.unschedulable(pod, nodes.length, failures);
      return;
    }
    const owner = controllerRef(pod)?.uid;
    const score = (n: NodeObject): number[] => {
      const here = pods.filter((p) => p.spec.nodeName === n.metadata.name);
      const preferred = (pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
        .filter((t) => matchesNodeSelector({ nodeSelectorTerms: [t.preference] }, n))
        .reduce((s, t) => s + t.weight, 0);
      const soft = untoleratedTaint(n.spec?.taints, pod.spec.tolerations, ['PreferNoSchedule']) ? 1 : 0;
      return [
        -interPodScore(pod, n, placed, nsLabels),
        owner ? here.filter((p) => controllerRef(p)?.uid === owner).length : 0,
        -preferred,
        soft,
        here.length,
      ];
    };
    const ranked = fits
      .map((n) => ({ n, s: score(n) }))
      .sort((a, b) => {
        for (let i = 0; i < a.s.length; i++) if (a.s[i] !== b.s[i]) return (a.s[i] ?? 0) - (b.s[i] ?? 0);
        return (a.n.metadata.name ?? '') < (b.n.metadata.name ?? '') ? -1 : 1;
      });
    this.bind(pod, ranked[0]!.n);
  }

  private filter(pod: PodObject, node: NodeObject, onNode: PodObject[]): Failure[] {
    const tolerations = pod.spec.tolerations;
    if (node.spec?.unschedulable) {
      const tolerated = (tolerations ?? []).some(
        (t) =>
          (t.operator === 'Exists' && !t.key) ||
          (t.key === 'node.kubernetes.io/unschedulable' && (!t.effect || t.effect === 'NoSchedule')),
      );
      if (!tolerated) return [{ reason: 'node(s) were unschedulable', resolvableByPreemption: false }];
    }
    const taint = untoleratedTaint(node.spec?.taints, tolerations);
    if (taint) {
      return [
        {
          reason: `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`,
          resolvableByPreemption: false,
        },
      ];
    }
    const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (
      !matchesMap(pod.spec.nodeSelector, node.metadata.labels) ||
      (required && !matchesNodeSelector(required, node))
    ) {
      return [{ reason: "node(s) didn't match Pod's node affinity/selector", resolvableByPreemption: false }];
    }
    const wanted = hostPorts(pod);
    if (wanted.length) {
      const used = new Set(onNode.flatMap(hostPorts));
      if (wanted.some((p) => used.has(p))) {
        return [{ reason: "node(s) didn't have free ports for the requested pod ports", resolvableByPreemption: true }];
      }
    }
    const conflict = this.volumeConflict(pod, node);
    if (conflict) return [conflict];
    const out: Failure[] = [];
    const allocatable = node.status?.allocatable ?? {};
    const maxPods = parseQuantity(allocatable.pods) ?? 110;
    if (onNode.length + 1 > maxPods) out.push({ reason: 'Too many pods', resolvableByPreemption: true });
    const requests = podRequests(pod);
    const used: Record<string, number> = {};
    for (const p of onNode) for (const [k, v] of Object.entries(podRequests(p))) used[k] = (used[k] ?? 0) + v;
    for (const resource of Object.keys(requests).sort()) {
      const want = requests[resource] ?? 0;
      if (want <= 0) continue;
      const cap = parseQuantity(allocatable[resource]);
      if (cap === undefined) {
        if (resource === 'cpu' || resource === 'memory' || resource === 'ephemeral-storage') continue;
        out.push({ reason: `Insufficient ${resource}`, resolvableByPreemption: true });
        continue;
      }
      if ((used[resource] ?? 0) + want > cap + 1e-9)
        out.push({ reason: `Insufficient ${resource}`, resolvableByPreemption: true });
    }
    return out;
  }

  /** VolumeBinding: a claim already bound to a volume pinned to other nodes keeps the pod off this one. */
  private volumeConflict(pod: PodObject, node: NodeObject): Failure | undefined {
    for (const v of pod.spec.volumes ?? []) {
      const claimName = v.persistentVolumeClaim?.claimName;
      if (!claimName) continue;
      const pvc = this.env.store.get(R.persistentvolumeclaims, pod.metadata.namespace, claimName);
      const volumeName = (pvc?.spec as { volumeName?: string } | undefined)?.volumeName;
      const pv = volumeName ? this.env.store.get(R.persistentvolumes, undefined, volumeName) : undefined;
      const required = (pv?.spec as { nodeAffinity?: { required?: NodeSelector } } | undefined)?.nodeAffinity?.required;
      if (required && !matchesNodeSelector(required, node)) {
        return { reason: 'node(s) had volume node affinity conflict', resolvableByPreemption: false };
      }
    }
    return undefined;
  }

  private bind(pod: PodObject, node: NodeObject): void {
    const { store, clock, recorder } = this.env;
    const nodeName = node.metadata.name ?? '';
    pod.spec.nodeName = nodeName;
    const cond: PodCondition = {
      type: 'PodScheduled',
      status: 'True',
      lastProbeTime: null as unknown as string,
      lastTransitionTime: rfc3339(clock.now()),
    };
    pod.status = {
      ...(pod.status ?? {}),
      conditions: [...(pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), cond],
    };
    store.update(R.pods, pod);
    recorder.event(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${nodeName}`,
      COMPONENT,
    );
  }

  private unschedulable(pod: PodObject, total: number, failures: Map<string, Failure[]>): void {
    const { store, clock, recorder } = this.env;
    const message = unschedulableMessage(total, failures);
    const existing = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (existing?.status !== 'False' || existing.reason !== 'Unschedulable' || existing.message !== message) {
      const cond: PodCondition = {
        type: 'PodScheduled',
        status: 'False',
        lastProbeTime: null as unknown as string,
        lastTransitionTime:
          existing?.status === 'False' && existing.lastTransitionTime
            ? existing.lastTransitionTime
            : rfc3339(clock.now()),
        reason: 'Unschedulable',
        message,
      };
      pod.status = {
        ...(pod.status ?? {}),
        phase: pod.status?.phase ?? 'Pending',
        conditions: [...(pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), cond],
      };
      store.update(R.pods, pod);
    }
    recorder.event(pod, 'Warning', 'FailedScheduling', message, COMPONENT);
  }
}

/** `0/3 nodes are available: 1 node(s) had untolerated taint {…}, 2 …. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.` */
export function unschedulableMessage(total: number, failures: Map<string, Failure[]>): string {
  if (total === 0) return 'no nodes available to schedule pods';
  const counts = new Map<string, number>();
  let helpless = 0;
  let victimsWanted = 0;
  for (const list of failures.values()) {
    for (const f of list) counts.set(f.reason, (counts.get(f.reason) ?? 0) + 1);
    if (list.some((f) => !f.resolvableByPreemption)) helpless++;
    else victimsWanted++;
  }
  const reasons = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  const preemption = [
    ...(helpless ? [`${helpless} Preemption is not helpful for scheduling`] : []),
    ...(victimsWanted ? [`${victimsWanted} No preemption victims found for incoming pod`] : []),
  ].sort();
  return `0/${total} nodes are available: ${reasons.join(', ')}. preemption: 0/${total} nodes are available: ${preemption.join(', ')}.`;
}
