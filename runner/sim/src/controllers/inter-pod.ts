import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { PodAffinityTerm, TopologySpreadConstraint } from 'kubernetes-types/core/v1';
import { matchesLabelSelector, matchesMap, matchesNodeSelector } from './selector.ts';
import type { NodeObject, PodObject } from './types.ts';

/** Namespaces' labels, for terms with a namespaceSelector. */
export type NamespaceLabels = (namespace: string) => Record<string, string> | undefined;

/** Whether `other` is selected by an affinity term written on `owner` (namespaces default to the owner's). */
export function termSelects(
  term: PodAffinityTerm,
  owner: PodObject,
  other: PodObject,
  nsLabels: NamespaceLabels,
): boolean {
  const ns = other.metadata.namespace ?? '';
  const listed = term.namespaces ?? [];
  let nsOk: boolean;
  if (term.namespaceSelector) {
    nsOk = listed.includes(ns) || matchesLabelSelector(term.namespaceSelector, nsLabels(ns) ?? {});
  } else {
    nsOk = listed.length ? listed.includes(ns) : ns === (owner.metadata.namespace ?? '');
  }
  return nsOk && matchesLabelSelector(term.labelSelector ?? undefined, other.metadata.labels);
}

const topology = (node: KubeObject | undefined, key: string): string | undefined => node?.metadata.labels?.[key];

/** A pod with the node it runs on, for inter-pod (anti-)affinity by topology. */
export interface PlacedPod {
  pod: PodObject;
  node: NodeObject | undefined;
}

/**
 * The InterPodAffinity filter for one node, in upstream's order: the incoming
 * pod's required affinity, its required anti-affinity, then existing pods'
 * required anti-affinity against it. Returns the failure reason, if any.
 */
export function interPodFailure(
  pod: PodObject,
  node: NodeObject,
  placed: PlacedPod[],
  nsLabels: NamespaceLabels,
): { reason: string; resolvableByPreemption: boolean } | undefined {
  const sameDomain = (p: PlacedPod, key: string) => {
    const here = topology(node, key);
    return here !== undefined && topology(p.node, key) === here;
  };
  for (const term of pod.spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
    if (placed.some((p) => sameDomain(p, term.topologyKey) && termSelects(term, pod, p.pod, nsLabels))) continue;
    // The first pod of a group that selects itself may go anywhere the topology key exists.
    const anywhere = placed.some((p) => termSelects(term, pod, p.pod, nsLabels));
    if (!anywhere && termSelects(term, pod, pod, nsLabels) && topology(node, term.topologyKey) !== undefined) continue;
    return { reason: "node(s) didn't match pod affinity rules", resolvableByPreemption: false };
  }
  for (const term of pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
    if (placed.some((p) => sameDomain(p, term.topologyKey) && termSelects(term, pod, p.pod, nsLabels))) {
      return { reason: "node(s) didn't match pod anti-affinity rules", resolvableByPreemption: true };
    }
  }
  for (const p of placed) {
    for (const term of p.pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (sameDomain(p, term.topologyKey) && termSelects(term, p.pod, pod, nsLabels)) {
        return { reason: "node(s) didn't satisfy existing pods anti-affinity rules", resolvableByPreemption: true };
      }
    }
  }
  return undefined;
}

/** Preferred inter-pod (anti-)affinity: a higher score is a better node. */
export function interPodScore(
  pod: PodObject,
  node: NodeObject,
  placed: PlacedPod[],
  nsLabels: NamespaceLabels,
): number {
  let score = 0;
  const sameDomain = (p: PlacedPod, key: string) => {
    const here = topology(node, key);
    return here !== undefined && topology(p.node, key) === here;
  };
  for (const w of pod.spec.affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
    score +=
      w.weight *
      placed.filter(
        (p) => sameDomain(p, w.podAffinityTerm.topologyKey) && termSelects(w.podAffinityTerm, pod, p.pod, nsLabels),
      ).length;
  }
  for (const w of pod.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
    score -=
      w.weight *
      placed.filter(
        (p) => sameDomain(p, w.podAffinityTerm.topologyKey) && termSelects(w.podAffinityTerm, pod, p.pod, nsLabels),
      ).length;
  }
  return score;
}

/** Whether a node passes the pod's nodeSelector and required node affinity (the domains spreading counts). */
function eligible(pod: PodObject, node: NodeObject): boolean {
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return matchesMap(pod.spec.nodeSelector, node.metadata.labels) && (!required || matchesNodeSelector(required, node));
}

/** The PodTopologySpread filter (whenUnsatisfiable: DoNotSchedule) for one node. */
export function spreadFailure(
  pod: PodObject,
  node: NodeObject,
  nodes: NodeObject[],
  placed: PlacedPod[],
): { reason: string; resolvableByPreemption: boolean } | undefined {
  const constraints = (pod.spec.topologySpreadConstraints ?? []).filter(
    (c: TopologySpreadConstraint) => c.whenUnsatisfiable === 'DoNotSchedule',
  );
  for (const c of constraints) {
    const value = topology(node, c.topologyKey);
    if (value === undefined) {
      return {
        reason: "node(s) didn't match pod topology spread constraints (missing required label)",
        resolvableByPreemption: false,
      };
    }
    const counts = new Map<string, number>();
    for (const n of nodes) {
      const v = topology(n, c.topologyKey);
      if (v !== undefined && eligible(pod, n)) counts.set(v, counts.get(v) ?? 0);
    }
    for (const p of placed) {
      const v = topology(p.node, c.topologyKey);
      if (v === undefined || !counts.has(v) || p.pod.metadata.namespace !== pod.metadata.namespace) continue;
      if (matchesLabelSelector(c.labelSelector ?? undefined, p.pod.metadata.labels))
        counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const self = matchesLabelSelector(c.labelSelector ?? undefined, pod.metadata.labels) ? 1 : 0;
    const min = Math.min(...counts.values());
    if ((counts.get(value) ?? 0) + self - min > c.maxSkew) {
      return { reason: "node(s) didn't match pod topology spread constraints", resolvableByPreemption: true };
    }
  }
  return undefined;
}
