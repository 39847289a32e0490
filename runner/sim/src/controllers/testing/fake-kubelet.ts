import type { ContainerStatus, PodCondition } from 'kubernetes-types/core/v1';
import type { Clock } from '../../clock.ts';
import type { ObjectStore } from '../../store.ts';
import { rfc3339 } from '../meta.ts';
import { R } from '../resources.ts';
import type { NodeObject, PodObject } from '../types.ts';

/**
 * Stands in for the runtime engineer's kubelet in these tests: on request,
 * every scheduled Pending pod starts Running and Ready with an IP from its
 * node's podCIDR. Tests call it explicitly, so readiness is under their control.
 */
export function startScheduledPods(
  store: ObjectStore,
  clock: Clock,
  filter: (p: PodObject) => boolean = () => true,
): number {
  let started = 0;
  const used = new Set((store.list(R.pods) as PodObject[]).map((p) => p.status?.podIP).filter(Boolean));
  for (const pod of store.list(R.pods) as PodObject[]) {
    if (!pod.spec.nodeName || pod.status?.phase !== 'Pending' || pod.metadata.deletionTimestamp || !filter(pod))
      continue;
    const node = store.get(R.nodes, undefined, pod.spec.nodeName) as NodeObject | undefined;
    const base = (node?.spec?.podCIDR ?? '10.244.0.0/24').split('/')[0]!.split('.').slice(0, 3).join('.');
    let host = 2;
    while (used.has(`${base}.${host}`)) host++;
    const ip = `${base}.${host}`;
    used.add(ip);
    const now = rfc3339(clock.now());
    const cond = (type: string): PodCondition => ({
      type,
      status: 'True',
      lastProbeTime: null as unknown as string,
      lastTransitionTime: now,
    });
    pod.status = {
      ...pod.status,
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      hostIP: node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '172.18.0.3',
      startTime: now,
      conditions: [
        cond('PodReadyToStartContainers'),
        cond('Initialized'),
        cond('Ready'),
        cond('ContainersReady'),
        ...(pod.status?.conditions ?? []).filter((c) => c.type === 'PodScheduled'),
      ],
      containerStatuses: (pod.spec.containers ?? []).map(
        (c): ContainerStatus => ({
          name: c.name,
          image: c.image ?? '',
          imageID: '',
          ready: true,
          restartCount: 0,
          started: true,
          state: { running: { startedAt: now } },
        }),
      ),
    };
    store.update(R.pods, pod);
    started++;
  }
  return started;
}

/** Ends a pod's containers with the given phase, as the kubelet reports a finished pod. */
export function finishPod(store: ObjectStore, namespace: string, name: string, phase: 'Succeeded' | 'Failed'): void {
  const pod = store.get(R.pods, namespace, name) as PodObject | undefined;
  if (!pod) throw new Error(`no pod ${namespace}/${name}`);
  pod.status = {
    ...pod.status,
    phase,
    conditions: (pod.status?.conditions ?? []).map((c) =>
      c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', reason: 'PodCompleted' } : c,
    ),
  };
  store.update(R.pods, pod);
}
