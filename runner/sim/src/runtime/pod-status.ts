import type { Container, ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1';
import { rfc3339 } from './time.ts';

/** When a condition last changed, so `lastTransitionTime` moves only when its status does. */
export interface ConditionTransition {
  status: string;
  /** Milliseconds since the epoch. */
  at: number;
}

/**
 * What the runtime knows about one pod: the facts the kubelet's status manager turns into `status`.
 * None of it is read from the pod's stored status, so a forged status cannot feed back into it.
 */
export interface PodRuntimeFacts {
  /** The node's address. */
  hostIP: string;
  /** The pod's address (the node's with hostNetwork). */
  podIP: string;
  /** When the kubelet took the pod on, in milliseconds since the epoch. */
  startTime: number;
  /** The runtime's statuses of the app containers it has acted on; the others are still being created. */
  containerStatuses?: readonly ContainerStatus[];
  /** The same for init containers. */
  initContainerStatuses?: readonly ContainerStatus[];
  /** The same for ephemeral containers (`kubectl debug`). */
  ephemeralContainerStatuses?: readonly ContainerStatus[];
  /** Whether any ephemeral container was started; until then the pod shows no ephemeral statuses. */
  ephemeralStarted?: boolean;
  /** The previous transition of each condition type, as returned by the last call. */
  transitions?: Readonly<Record<string, ConditionTransition>>;
}

/** The status to write, and the condition transitions to pass to the next call. */
export interface GeneratedPodStatus {
  status: PodStatus;
  transitions: Record<string, ConditionTransition>;
}

/**
 * A pod's status as the kubelet writes it (upstream pkg/kubelet/kubelet_pods.go
 * `generateAPIPodStatus` with `getPhase`): the phase from the containers' states and the
 * restart policy, the kubelet's conditions, the container statuses in spec order (a container
 * the runtime has not acted on yet waits in ContainerCreating, an init container in
 * PodInitializing), addresses and the QoS class. Pure: `now` is passed in.
 *
 * Fields of `previous` (the status as stored) that the kubelet does not own are kept, and its
 * qosClass once set (immutable upstream); `conditions` is replaced whole by the kubelet's own.
 */
export function generatePodStatus(
  pod: Pod,
  facts: PodRuntimeFacts,
  now: number,
  previous?: PodStatus,
): GeneratedPodStatus {
  const spec = pod.spec ?? { containers: [] };
  const containers = spec.containers ?? [];
  const inits = spec.initContainers ?? [];
  const byName = (list: readonly ContainerStatus[] | undefined) => new Map((list ?? []).map((s) => [s.name, s]));
  const main = byName(facts.containerStatuses);
  const init = byName(facts.initContainerStatuses);
  const ephemeral = byName(facts.ephemeralContainerStatuses);
  const waiting = (c: Pick<Container, 'name' | 'image'>, reason: string) =>
    waitingStatus(c, main.get(c.name) ?? init.get(c.name), reason);

  const statuses = containers.map((c) => main.get(c.name) ?? waiting(c, 'ContainerCreating'));
  const initStatuses = inits.map((c) => init.get(c.name) ?? waiting(c, 'PodInitializing'));
  // Native sidecars (KEP-753): init containers with restartPolicy Always, done once started, and part of readiness.
  const sidecars = new Set(inits.filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const phase = getPhase(
    spec.restartPolicy ?? 'Always',
    initStatuses.filter((s) => !sidecars.has(s.name)),
    statuses,
    initStatuses.filter((s) => sidecars.has(s.name)),
  );

  const notReady = [
    ...inits.filter((c) => sidecars.has(c.name) && !init.get(c.name)?.ready),
    ...containers.filter((c) => !main.get(c.name)?.ready),
  ].map((c) => c.name);
  const incompleteInit = inits
    .filter((c) =>
      sidecars.has(c.name) ? !hasStarted(init.get(c.name)) : init.get(c.name)?.state?.terminated?.exitCode !== 0,
    )
    .map((c) => c.name);
  const done = phase === 'Succeeded' || phase === 'Failed';
  const readyReason = done ? 'PodCompleted' : notReady.length ? 'ContainersNotReady' : undefined;
  const readyMsg = !done && notReady.length ? `containers with unready status: [${notReady.join(' ')}]` : undefined;

  const transitions: Record<string, ConditionTransition> = { ...(facts.transitions ?? {}) };
  const condition = (type: string, ok: boolean, reason?: string, message?: string): PodCondition => {
    const status = ok ? 'True' : 'False';
    const prev = transitions[type];
    if (!prev || prev.status !== status) transitions[type] = { status, at: now };
    return {
      type,
      status,
      lastProbeTime: null as unknown as string,
      lastTransitionTime: rfc3339(transitions[type]!.at),
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    };
  };
  const conditions: PodCondition[] = [
    // The sandbox stays up for the pod's life here, finished pods included (their processes are gone, not it).
    condition('PodReadyToStartContainers', true),
    condition(
      'Initialized',
      incompleteInit.length === 0,
      incompleteInit.length ? 'ContainersNotInitialized' : done && inits.length ? 'PodCompleted' : undefined,
      incompleteInit.length ? `containers with incomplete status: [${incompleteInit.join(' ')}]` : undefined,
    ),
    condition('Ready', !done && notReady.length === 0, readyReason, readyMsg),
    condition('ContainersReady', !done && notReady.length === 0, readyReason, readyMsg),
    condition('PodScheduled', true),
  ];

  const status: PodStatus = {
    ...(previous ?? {}),
    phase,
    conditions,
    hostIP: facts.hostIP,
    hostIPs: [{ ip: facts.hostIP }],
    podIP: facts.podIP,
    podIPs: [{ ip: facts.podIP }],
    startTime: rfc3339(facts.startTime),
    containerStatuses: statuses,
    ...(inits.length ? { initContainerStatuses: initStatuses } : {}),
    ...(facts.ephemeralStarted
      ? {
          ephemeralContainerStatuses: (spec.ephemeralContainers ?? []).map(
            (c) => ephemeral.get(c.name) ?? waiting(c, 'ContainerCreating'),
          ),
        }
      : {}),
    qosClass: previous?.qosClass ?? qosClass(pod),
  };
  return { status, transitions };
}

/** A native sidecar has started once: a later crash and restart does not take initialization back. */
const hasStarted = (s: ContainerStatus | undefined): boolean =>
  !!s && (!!s.started || !!s.lastState?.terminated || !!s.state?.terminated || (s.restartCount ?? 0) > 0);

/**
 * The pod's phase from its containers (upstream `getPhase`): Failed when an init container
 * failed under restartPolicy Never; once init is done and every container has terminated,
 * Succeeded or Failed unless the policy restarts them; Running once a container has run;
 * else Pending.
 */
export function getPhase(
  restartPolicy: string,
  initStatuses: readonly ContainerStatus[],
  statuses: readonly ContainerStatus[],
  /** Native sidecars: init is done only once each has started. */
  sidecarStatuses: readonly ContainerStatus[] = [],
): NonNullable<PodStatus['phase']> {
  const initDone = initStatuses.every((s) => s.state?.terminated?.exitCode === 0) && sidecarStatuses.every(hasStarted);
  const allTerminated = statuses.length > 0 && statuses.every((s) => s.state?.terminated);
  const anyFailed = statuses.some((s) => (s.state?.terminated?.exitCode ?? 0) !== 0);
  const initFailed = restartPolicy === 'Never' && initStatuses.some((s) => (s.state?.terminated?.exitCode ?? 0) !== 0);
  if (initFailed) return 'Failed';
  if (initDone && allTerminated && restartPolicy !== 'Always') {
    if (!anyFailed) return 'Succeeded';
    return restartPolicy === 'Never' ? 'Failed' : 'Running';
  }
  if (initDone && statuses.some((s) => s.state?.running || s.lastState?.terminated || s.state?.terminated))
    return 'Running';
  return 'Pending';
}

/**
 * A container's status while it waits with `reason` (ContainerCreating, ErrImagePull, ...),
 * carrying over what `prev` (its last status) knew: image, image ID, container ID, restarts
 * and its last state.
 */
export function waitingStatus(
  c: Pick<Container, 'name' | 'image'>,
  prev: ContainerStatus | undefined,
  reason: string,
  message?: string,
): ContainerStatus {
  return {
    name: c.name,
    image: prev?.image ?? c.image ?? '',
    imageID: prev?.imageID ?? '',
    ...(prev?.containerID ? { containerID: prev.containerID } : {}),
    ready: false,
    restartCount: prev?.restartCount ?? 0,
    started: false,
    state: { waiting: { reason, ...(message ? { message } : {}) } },
    lastState: prev?.lastState ?? {},
  };
}

/**
 * The pod's QoS class (upstream pkg/apis/core/helper/qos): BestEffort with no requests or
 * limits, Guaranteed when every container limits cpu and memory and requests the same, else
 * Burstable.
 */
export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const cs = pod.spec?.containers ?? [];
  const any = cs.some(
    (c) => Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length,
  );
  if (!any) return 'BestEffort';
  const guaranteed = cs.every((c) => {
    const l = c.resources?.limits ?? {};
    const r = c.resources?.requests ?? l;
    return (
      l.cpu !== undefined &&
      l.memory !== undefined &&
      String(r.cpu ?? l.cpu) === String(l.cpu) &&
      String(r.memory ?? l.memory) === String(l.memory)
    );
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
