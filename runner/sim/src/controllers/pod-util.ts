import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { PodCondition, PodTemplateSpec } from 'kubernetes-types/core/v1';
import { clone, isTerminating, newControllerRef, parseTime } from './meta.ts';
import type { PodObject } from './types.ts';

/** A pod's condition of one type (Ready, PodScheduled, ...), if it has one. */
export const podCondition = (pod: PodObject, type: string): PodCondition | undefined =>
  pod.status?.conditions?.find((c) => c.type === type);

/** Ready condition True (podutil.IsPodReady). */
export const isPodReady = (pod: PodObject): boolean => podCondition(pod, 'Ready')?.status === 'True';

/** Ready for at least minReadySeconds (podutil.IsPodAvailable). */
export function isPodAvailable(pod: PodObject, minReadySeconds: number, now: number): boolean {
  const ready = podCondition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const since = parseTime(ready.lastTransitionTime) ?? 0;
  return since + minReadySeconds * 1000 <= now;
}

/** Milliseconds until a ready pod turns available, or undefined if it never will on its own. */
export function msUntilAvailable(pod: PodObject, minReadySeconds: number, now: number): number | undefined {
  const ready = podCondition(pod, 'Ready');
  if (ready?.status !== 'True' || !minReadySeconds) return undefined;
  const at = (parseTime(ready.lastTransitionTime) ?? 0) + minReadySeconds * 1000;
  return at > now ? at - now : undefined;
}

/** Whether a pod has ended (Succeeded or Failed) and will not run again. */
export const isPodFinished = (pod: PodObject): boolean =>
  pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** Not finished and not being deleted (controller.IsPodActive). */
export const isPodActive = (pod: PodObject): boolean => !isPodFinished(pod) && !isTerminating(pod);

/** A pod from a controller's template, owned by it (controller.GetPodFromTemplate). */
export function podFromTemplate(
  template: PodTemplateSpec | undefined,
  owner: KubeObject,
  generateName: string,
  extraLabels: Record<string, string> = {},
): PodObject {
  const t = clone(template ?? {});
  const labels = { ...(t.metadata?.labels ?? {}), ...extraLabels };
  const annotations = t.metadata?.annotations;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName,
      namespace: owner.metadata.namespace,
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [newControllerRef(owner)],
      ...(t.metadata?.finalizers ? { finalizers: t.metadata.finalizers } : {}),
    },
    spec: t.spec ?? { containers: [] },
    status: { phase: 'Pending' },
  };
}

/** Scheduled, running phase, readiness: the less far along, the sooner a pod is deleted on scale-down. */
export function podDeletionRank(pod: PodObject): number[] {
  const phaseRank = pod.status?.phase === 'Pending' ? 0 : pod.status?.phase === 'Unknown' ? 1 : 2;
  const readySince = parseTime(podCondition(pod, 'Ready')?.lastTransitionTime) ?? 0;
  return [
    pod.spec.nodeName ? 1 : 0,
    phaseRank,
    isPodReady(pod) ? 1 : 0,
    // Newer (more recently ready, more recently created) pods go first: negate times.
    -readySince,
    -(parseTime(pod.metadata.creationTimestamp) ?? 0),
  ];
}

/** Pods in the order they should be deleted when scaling down (controller.ActivePods sort). */
export function sortForDeletion(pods: PodObject[]): PodObject[] {
  return [...pods].sort((a, b) => {
    const ra = podDeletionRank(a);
    const rb = podDeletionRank(b);
    for (let i = 0; i < ra.length; i++) {
      const d = (ra[i] ?? 0) - (rb[i] ?? 0);
      if (d !== 0) return d;
    }
    return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
  });
}
