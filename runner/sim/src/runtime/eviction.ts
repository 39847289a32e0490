/**
 * How a node decides who dies when memory runs out, as two pure functions over what runs on it:
 *
 * - the kubelet's eviction manager (pkg/kubelet/eviction): when `memory.available` (capacity minus
 *   the node's working set) drops below the hard threshold, it evicts one pod at a time, ranked by
 *   `rankMemoryPressure`: pods whose usage exceeds their requests first, then lower
 *   `spec.priority` first, then the larger usage above requests first. Critical pods (static and
 *   mirror pods, priority ≥ 2 000 000 000) are never evicted.
 * - the kernel's OOM killer (mm/oom_kill.c `oom_badness`): when memory is exhausted outright, it
 *   kills the process with the most points, resident memory plus `oom_score_adj` thousandths of
 *   the node's memory. The kubelet sets the adjustment per container from its QoS class
 *   (pkg/kubelet/qos/policy.go `GetContainerOOMScoreAdjust`).
 */

import { quantityValue } from '@paranoid/k8s/quantity.ts';
import type { Pod } from 'kubernetes-types/core/v1';
import { SYSTEM_CRITICAL_PRIORITY } from '../admission/priority.ts';
import { qosClass } from '../defaults/apply-defaults.ts';

/** The kubelet's default hard threshold: `memory.available<100Mi`. */
export const MEMORY_AVAILABLE_THRESHOLD = 100 * 1024 * 1024;

/** oom_score_adj of Guaranteed containers and node-critical pods (qos/policy.go). */
export const GUARANTEED_OOM_SCORE_ADJ = -997;
/** oom_score_adj of BestEffort containers. */
export const BEST_EFFORT_OOM_SCORE_ADJ = 1000;
/** oom_score_adj the kubelet and containerd give themselves. */
export const SYSTEM_OOM_SCORE_ADJ = -999;
/** oom_score_adj of a pod sandbox's pause process. */
export const PAUSE_OOM_SCORE_ADJ = -998;

/** One pod on the node, with what it uses now. */
export interface PodUsage {
  pod: Pod;
  /** Working set of each running container, in bytes. */
  containers: Array<{ name: string; usage: number }>;
}

/** The memory request of a container in bytes (0 when it has none). */
export function memoryRequest(pod: Pod, container: string): number {
  const c = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === container);
  const raw = c?.resources?.requests?.memory ?? c?.resources?.limits?.memory;
  return raw === undefined ? 0 : (quantityValue(String(raw)) ?? 0);
}

/** kubelettypes.IsCriticalPod: static and mirror pods, and pods at or above system-critical priority. */
export function isCriticalPod(pod: Pod): boolean {
  const annotations = pod.metadata?.annotations ?? {};
  if (annotations['kubernetes.io/config.source'] && annotations['kubernetes.io/config.source'] !== 'api') return true;
  if (annotations['kubernetes.io/config.mirror']) return true;
  return (pod.spec?.priority ?? 0) >= SYSTEM_CRITICAL_PRIORITY;
}

const podUsage = (p: PodUsage) => p.containers.reduce((s, c) => s + c.usage, 0);
const podRequest = (p: PodUsage) => p.containers.reduce((s, c) => s + memoryRequest(p.pod, c.name), 0);

/**
 * The order the eviction manager evicts in under memory pressure (`rankMemoryPressure`):
 * exceeding requests, then priority, then usage above requests. Critical pods are left out.
 */
export function rankForMemoryEviction(pods: PodUsage[]): PodUsage[] {
  const exceeds = (p: PodUsage) => podUsage(p) > podRequest(p);
  return pods
    .filter((p) => !isCriticalPod(p.pod))
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      const ea = exceeds(a.p);
      const eb = exceeds(b.p);
      if (ea !== eb) return ea ? -1 : 1;
      const pa = a.p.pod.spec?.priority ?? 0;
      const pb = b.p.pod.spec?.priority ?? 0;
      if (pa !== pb) return pa - pb;
      const over = podUsage(b.p) - podRequest(b.p) - (podUsage(a.p) - podRequest(a.p));
      return over !== 0 ? over : a.i - b.i;
    })
    .map(({ p }) => p);
}

/** Bytes as the kubelet prints a usage quantity (`resource.NewQuantity(..., BinarySI)`): whole Ki. */
export const formatKi = (bytes: number): string => `${Math.max(0, Math.floor(bytes / 1024))}Ki`;

/** A request as `Quantity.String()` prints it: `0` for none, else the canonical binary form. */
function formatRequest(bytes: number): string {
  if (bytes === 0) return '0';
  for (const [unit, size] of [
    ['Gi', 1024 ** 3],
    ['Mi', 1024 ** 2],
    ['Ki', 1024],
  ] as const) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** The first sentence of every memory eviction message (eviction/helpers.go `nodeLowMessageFmt`). */
export function nodeLowMessage(available: number): string {
  return `The node was low on resource: memory. Threshold quantity: 100Mi, available: ${formatKi(available)}. `;
}

/** The eviction message: the node's state, then each container that uses more than it requested. */
export function evictionMessage(victim: PodUsage, available: number): string {
  let message = nodeLowMessage(available);
  for (const c of victim.containers) {
    const request = memoryRequest(victim.pod, c.name);
    if (c.usage > request)
      message += `Container ${c.name} was using ${formatKi(c.usage)}, request is ${formatRequest(request)}, has larger consumption of memory. `;
  }
  return message;
}

/** The oom_score_adj the kubelet gives a container of this pod on a node with `capacity` bytes. */
export function oomScoreAdj(pod: Pod, container: string, capacity: number): number {
  if (isCriticalPod(pod) && pod.spec?.priorityClassName === 'system-node-critical') return GUARANTEED_OOM_SCORE_ADJ;
  const qos = qosClass(pod.spec as unknown as Record<string, unknown>);
  if (qos === 'Guaranteed') return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === 'BestEffort') return BEST_EFFORT_OOM_SCORE_ADJ;
  const adj = 1000 - Math.floor((1000 * memoryRequest(pod, container)) / capacity);
  if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) return 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (adj === BEST_EFFORT_OOM_SCORE_ADJ) return adj - 1;
  return adj;
}

/** A process the kernel may pick: its resident memory and its adjustment. */
export interface OomCandidate<T> {
  ref: T;
  rss: number;
  adj: number;
}

/**
 * The kernel's choice under a node-wide OOM: the most points, where points are resident bytes plus
 * `adj` thousandths of the node's memory; `-1000` is never chosen. The first of equals wins, as the
 * kernel keeps the first it found.
 */
export function oomVictim<T>(candidates: OomCandidate<T>[], capacity: number): T | undefined {
  let best: OomCandidate<T> | undefined;
  let bestPoints = Number.NEGATIVE_INFINITY;
  for (const c of candidates) {
    if (c.adj <= -1000) continue;
    const points = c.rss + (c.adj * capacity) / 1000;
    if (points > bestPoints) {
      best = c;
      bestPoints = points;
    }
  }
  return best?.ref;
}
