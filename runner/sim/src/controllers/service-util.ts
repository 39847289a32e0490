import type { ServicePort } from 'kubernetes-types/core/v1';
import type { StoreEvent } from '../store.ts';
import type { ControllerEnv } from './env.ts';
import type { WorkQueue } from './manager.ts';
import { keyOf, objectKey } from './meta.ts';
import { isPodFinished } from './pod-util.ts';
import { R, sameResource } from './resources.ts';
import { matchesMap } from './selector.ts';
import type { PodObject, ServiceObject } from './types.ts';

/** The container port a service port reaches on a pod, resolving named targetPorts (podutil.FindPort). */
export function findPort(pod: PodObject, sp: ServicePort): number | undefined {
  const target = sp.targetPort;
  if (typeof target === 'string' && !/^\d+$/.test(target)) {
    for (const c of pod.spec.containers ?? []) {
      for (const p of c.ports ?? []) {
        if (p.name === target && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return p.containerPort;
      }
    }
    return undefined;
  }
  const n = typeof target === 'string' ? Number.parseInt(target, 10) : target;
  return n || sp.port;
}

/** Whether a pod belongs in a Service's endpoints at all (endpointsliceutil.ShouldPodBeInEndpoints). */
export function podInEndpoints(pod: PodObject, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP) return false;
  if (isPodFinished(pod) && (pod.spec.restartPolicy ?? 'Always') !== 'Always') return false;
  if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

/**
 * Whether a Service selects pods, so its endpoints are the controllers' to manage (not ExternalName, not
 * selectorless).
 */
export const hasSelector = (svc: ServiceObject): boolean =>
  Boolean(svc.spec?.selector && Object.keys(svc.spec.selector).length > 0) && svc.spec?.type !== 'ExternalName';

/** Queues the Services a store change can affect: the service itself, or those selecting a changed pod. */
export function enqueueServices(
  env: ControllerEnv,
  event: StoreEvent,
  queue: WorkQueue,
  own: { group: string; resource: string },
): void {
  const { object } = event;
  if (sameResource(event.resource, R.services)) {
    queue.add(objectKey(object));
  } else if (sameResource(event.resource, R.pods)) {
    const labels = [object.metadata.labels, event.old?.metadata.labels];
    for (const svc of env.lister.list(R.services, object.metadata.namespace) as ServiceObject[]) {
      if (!hasSelector(svc)) continue;
      if (labels.some((l) => l && matchesMap(svc.spec?.selector, l))) queue.add(objectKey(svc));
    }
  } else if (sameResource(event.resource, own) && event.type !== 'ADDED') {
    const svc =
      object.metadata.labels?.['kubernetes.io/service-name'] ??
      (sameResource(own, R.endpoints) ? object.metadata.name : undefined);
    if (svc) queue.add(keyOf(object.metadata.namespace, svc));
  }
}
