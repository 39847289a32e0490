/**
 * The node's answer to memory running out, run by the kubelet whenever usage on a node changes:
 * first a container's own memory cgroup over its limit, then the kernel's OOM killer while the node is over its memory outright, then the kubelet's
 * eviction manager while `memory.available` is under the hard threshold (one pod per pass, as
 * upstream evicts one pod per synchronisation), and the node's MemoryPressure condition.
 *
 * Upstream's eviction manager polls every 10 s unless `kernelMemcgNotification` is on; here it
 * reacts at once, as with the notification, so the outcome does not depend on the host's speed.
 * The condition stays True for `evictionPressureTransitionPeriod` (5 min) after the last
 * observation under the threshold, as upstream. Not modelled: the node lifecycle controller's
 * `node.kubernetes.io/memory-pressure` taint and the kubelet refusing new BestEffort pods.
 */

import { quantityValue } from '@paranoid/k8s/quantity.ts';
import type { Node, NodeCondition } from 'kubernetes-types/core/v1';
import {
  evictionMessage,
  MEMORY_AVAILABLE_THRESHOLD,
  nodeLowMessage,
  type OomCandidate,
  oomScoreAdj,
  oomVictim,
  PAUSE_OOM_SCORE_ADJ,
  type PodUsage,
  rankForMemoryEviction,
  SYSTEM_OOM_SCORE_ADJ,
} from './eviction.ts';
import type { KubeletContext, PodRecord } from './kubelet-context.ts';
import { rfc3339 } from './time.ts';
import type { ContainerInstance, NodeHost } from './types.ts';

const NODES = { group: '', resource: 'nodes' };

/** What the node's own system slice uses besides its processes (the same figure NodeMetrics reports). */
export const SYSTEM_OVERHEAD_BYTES = 600 * 1024 * 1024;
/** evictionPressureTransitionPeriod's default. */
export const PRESSURE_TRANSITION_MS = 5 * 60_000;

/** The node's working set: every process on it, plus the system's own. */
export function nodeWorkingSet(host: NodeHost): number {
  return host.procs.reduce((s, p) => s + p.memBytes, 0) + SYSTEM_OVERHEAD_BYTES;
}

/** The node's memory capacity from its Node object (what `memory.available` is measured against). */
export function nodeCapacity(ctx: KubeletContext, host: NodeHost): number | undefined {
  const node = ctx.deps.store.get(NODES, undefined, host.name) as Node | undefined;
  const raw = node?.status?.capacity?.memory;
  return raw === undefined ? undefined : (quantityValue(String(raw)) ?? undefined);
}

/** What the kubelet lends the memory manager: its pod records and how to kill and evict. */
export interface MemoryPressureDeps {
  ctx: KubeletContext;
  records: Map<string, PodRecord>;
  /** Ends a container as the OOM killer did (exit 137, OOMKilled). */
  oomKill: (rec: PodRecord, inst: ContainerInstance) => void;
  /** Fails the pod with reason Evicted and this message, and stops its containers. */
  evict: (rec: PodRecord, message: string, nodeMessage: string) => void;
}

const lastPressure = new WeakMap<NodeHost, number>();

const running = (ctx: KubeletContext, rec: PodRecord): ContainerInstance[] =>
  [...(ctx.state.pods.get(rec.uid)?.containers.values() ?? [])].filter((i) => i.state === 'running');

/** Reclaims memory on `host` if it ran out; call after anything on the node allocates. */
export function relieveMemory(deps: MemoryPressureDeps, host: NodeHost): void {
  const { ctx, records } = deps;
  const capacity = nodeCapacity(ctx, host);
  if (capacity === undefined) return;
  const onNode = [...records.values()].filter((r) => r.host === host && !r.terminating);

  // A container over its own limit: its memory cgroup's OOM killer ends it (the whole container, as
  // with memory.oom.group on cgroup v2), whatever the node has left.
  for (const rec of onNode) {
    for (const inst of running(ctx, rec)) {
      const limit = inst.spec.resources?.limits?.memory;
      const bytes = limit === undefined ? undefined : quantityValue(String(limit));
      if (bytes !== undefined && inst.procs.reduce((s, p) => s + p.memBytes, 0) > bytes) deps.oomKill(rec, inst);
    }
  }

  // The kernel first: over capacity, it kills until the node fits (each kill frees its container).
  for (let guard = 0; guard < 64 && capacity - nodeWorkingSet(host) < 0; guard++) {
    const candidates: OomCandidate<{ rec: PodRecord; inst: ContainerInstance } | undefined>[] = host.procs.map((p) => {
      const inst = p.container;
      const rec = inst ? records.get(inst.podUid) : undefined;
      if (!inst || !rec || inst.state !== 'running')
        return {
          ref: undefined,
          rss: p.memBytes,
          adj: p.argv[0] === '/pause' ? PAUSE_OOM_SCORE_ADJ : SYSTEM_OOM_SCORE_ADJ,
        };
      return { ref: { rec, inst }, rss: p.memBytes, adj: oomScoreAdj(rec.pod, inst.name, capacity) };
    });
    const victim = oomVictim(candidates, capacity);
    if (!victim) break;
    deps.oomKill(victim.rec, victim.inst);
  }

  const available = capacity - nodeWorkingSet(host);
  const now = ctx.clock.now();
  if (available < MEMORY_AVAILABLE_THRESHOLD) {
    lastPressure.set(host, now);
    setMemoryPressure(ctx, host, true);
    const usage: PodUsage[] = onNode
      .filter((r) => !r.terminating)
      .map((r) => ({
        rec: r,
        pod: r.pod,
        containers: running(ctx, r).map((i) => ({ name: i.name, usage: i.procs.reduce((s, p) => s + p.memBytes, 0) })),
      }))
      .filter((u) => u.containers.length > 0);
    const [victim] = rankForMemoryEviction(usage) as Array<PodUsage & { rec: PodRecord }>;
    if (victim) deps.evict(victim.rec, evictionMessage(victim, available), nodeLowMessage(available));
    return;
  }
  const since = lastPressure.get(host);
  if (since === undefined) return;
  ctx.later(Math.max(0, since + PRESSURE_TRANSITION_MS - now), () => {
    if (lastPressure.get(host) !== since) return;
    if (capacity - nodeWorkingSet(host) < MEMORY_AVAILABLE_THRESHOLD) return;
    lastPressure.delete(host);
    setMemoryPressure(ctx, host, false);
  });
}

/** Writes the node's MemoryPressure condition in the kubelet's words, if it changed. */
function setMemoryPressure(ctx: KubeletContext, host: NodeHost, pressure: boolean): void {
  const { store, clock } = ctx.deps;
  const node = store.get(NODES, undefined, host.name) as (Node & { metadata: { name: string } }) | undefined;
  if (!node) return;
  const conditions = [...(node.status?.conditions ?? [])];
  const i = conditions.findIndex((c) => c.type === 'MemoryPressure');
  const status = pressure ? 'True' : 'False';
  if (i >= 0 && conditions[i]!.status === status) return;
  const now = rfc3339(clock.now());
  const next: NodeCondition = {
    type: 'MemoryPressure',
    status,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
    reason: pressure ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory',
    message: pressure ? 'kubelet has insufficient memory available' : 'kubelet has sufficient memory available',
  };
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
  try {
    store.update(NODES, { ...node, status: { ...node.status, conditions } } as never);
  } catch {
    // A concurrent write to the node: the next change of usage writes it again.
  }
}
