import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { Container, ContainerStatus, Pod, PodStatus } from 'kubernetes-types/core/v1';
import { formatIPv4, parseCidr, parseIPv4 } from '../network/ip.ts';
import type { ObjectStore } from '../store.ts';
import { createInstance, exitContainer, pullAndStart, replaceContainer } from './container-lifecycle.ts';
import { podDir, prepareVolumes } from './container-setup.ts';
import { type ContainerExit, type KubeletContext, type PodRecord, statusMap } from './kubelet-context.ts';
import { relieveMemory } from './memory-pressure.ts';
import { nodeHost } from './node-host.ts';
import { generatePodStatus, waitingStatus } from './pod-status.ts';
import { podVolumes, setUpVolumes } from './pod-volumes.ts';
import { runtimeState } from './state.ts';
import { rfc3339 } from './time.ts';
import type { ContainerInstance, NodeHost, RuntimeDeps } from './types.ts';
import { fetchFromContainer } from './url-fetch.ts';

export { PULL_MS } from './image-pull.ts';
export { type ProcessPlan, planProcesses } from './process-plan.ts';

const PODS = { group: '', resource: 'pods' };
const EVENTS = { group: '', resource: 'events' };

/** Condition types the kubelet sets; others (readiness gates, DisruptionTarget) belong to other writers. */
const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady']);

/**
 * The fields of a pod's status the kubelet is the source of truth for, as a comparable string.
 * A cluster-admin can patch pods/status; the kubelet's status manager notices that the API's
 * status differs from its own (`needsReconcile`) and writes its own back, so a forged phase or
 * pod IP does not last (upstream: at the next status sync, at most 10 s; here: on the next event).
 */
function ownedStatus(status: PodStatus | undefined): string {
  const s = status ?? {};
  return JSON.stringify([
    s.phase,
    s.podIP,
    s.podIPs,
    s.hostIP,
    s.hostIPs,
    s.containerStatuses,
    s.initContainerStatuses ?? [],
    s.ephemeralContainerStatuses ?? [],
    (s.conditions ?? []).filter((c) => KUBELET_CONDITIONS.has(c.type)),
  ]);
}

/**
 * The kubelet of every simulated node, as an onStart hook: runs pods bound to a
 * node (spec.nodeName) through pulling, volume set-up, container creation and
 * restarts, writing status and events the way the real kubelet does. Returns a
 * stop function.
 */
export function startKubelet(deps: RuntimeDeps): () => void {
  const state = runtimeState(deps);
  state.fetchUrl ??= (inst, url, limits, now) => fetchFromContainer(state, inst, url, limits, now);
  const { store, clock } = deps;
  // A bug in one pod's lifecycle must not take the cluster's server down with it.
  const report = (e: unknown) => console.error('kubelet:', e);
  const records = new Map<string, PodRecord>();
  const timers = new Set<() => void>();
  let stopped = false;
  const later = (ms: number, fn: () => void): (() => void) => {
    let cancel: () => void = () => undefined;
    cancel = clock.setTimer(ms, () => {
      timers.delete(cancel);
      if (stopped) return;
      try {
        fn();
      } catch (e) {
        report(e);
      }
    });
    timers.add(cancel);
    return cancel;
  };

  // ---- events ---------------------------------------------------------------------------------
  const eventKeys = new Map<string, string>();
  let eventSeq = 0;
  const emit = (rec: PodRecord, type: 'Normal' | 'Warning', reason: string, message: string, container?: string) => {
    const key = `${rec.uid}|${reason}|${message}|${container ?? ''}`;
    const now = rfc3339(clock.now());
    const existingName = eventKeys.get(key);
    try {
      if (existingName) {
        const ev = store.get(EVENTS, rec.namespace, existingName);
        if (ev) {
          store.update(EVENTS, { ...ev, count: ((ev.count as number) ?? 1) + 1, lastTimestamp: now });
          return;
        }
      }
      const name = `${rec.name}.${(BigInt(clock.now()) * 1_000_000n + BigInt(eventSeq++)).toString(16)}`;
      eventKeys.set(key, name);
      store.create(EVENTS, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: rec.namespace },
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          name: rec.name,
          namespace: rec.namespace,
          uid: rec.uid,
          ...(container ? { fieldPath: `spec.containers{${container}}` } : {}),
        },
        reason,
        message,
        source: { component: 'kubelet', host: rec.host.name },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: 'kubelet',
        reportingInstance: rec.host.name,
      });
    } catch {
      // Events are best effort, as in the kubelet.
    }
  };

  // ---- status ---------------------------------------------------------------------------------
  const render = (rec: PodRecord) => {
    if (rec.terminating && !store.get(PODS, rec.namespace, rec.name)) return;
    const current = store.get(PODS, rec.namespace, rec.name) as (KubeObject & Pod) | undefined;
    const { status, transitions } = generatePodStatus(
      rec.pod,
      {
        hostIP: rec.host.ip,
        podIP: rec.podIP,
        startTime: rec.startTime,
        containerStatuses: [...rec.statuses.values()],
        initContainerStatuses: [...rec.initStatuses.values()],
        ephemeralContainerStatuses: [...rec.ephemeralStatuses.values()],
        ephemeralStarted: rec.ephemeral.size > 0,
        transitions: rec.conditionTimes,
      },
      clock.now(),
      current?.status,
    );
    rec.conditionTimes = transitions;
    if (!current || current.metadata?.uid !== rec.uid) return;
    try {
      store.update(PODS, { ...current, status } as KubeObject);
      rec.written = ownedStatus(status);
    } catch {
      // A concurrent write: the next change renders again.
    }
  };

  const waiting = (c: Container, rec: PodRecord, reason: string, message?: string): ContainerStatus =>
    waitingStatus(c, rec.statuses.get(c.name) ?? rec.initStatuses.get(c.name), reason, message);

  const setStatus = (rec: PodRecord, c: Container, isInit: boolean, s: ContainerStatus) => {
    statusMap(rec, c.name, isInit).set(c.name, s);
    render(rec);
  };

  const ctx: KubeletContext = {
    deps,
    state,
    clock,
    report,
    later,
    emit,
    setStatus,
    render,
    waiting,
    instExit: new WeakMap<ContainerInstance, ContainerExit>(),
  };

  // ---- lifecycle ------------------------------------------------------------------------------
  const begin = (pod: Pod) => {
    const uid = pod.metadata!.uid!;
    const host = nodeHost(state, pod.spec!.nodeName!);
    const adopted =
      pod.status?.phase === 'Running' && (pod.status.containerStatuses ?? []).every((s) => s.state?.running);
    // A pod adopted with its address (a bootstrap's static pods, a cloned cluster's pods) keeps it, and the
    // address is taken in this node's table so no later pod is handed it again.
    if (adopted && pod.status?.podIP && !pod.spec?.hostNetwork) host.ips.set(uid, pod.status.podIP);
    const rec: PodRecord = {
      uid,
      namespace: pod.metadata!.namespace ?? 'default',
      name: pod.metadata!.name!,
      host,
      pod,
      statuses: new Map(),
      initStatuses: new Map(),
      ephemeralStatuses: new Map(),
      ephemeral: new Set(),
      startTime: clock.now(),
      conditionTimes: {},
      podIP: pod.spec?.hostNetwork ? host.ip : allocateIp(host, uid),
      terminating: false,
      backoff: new Map(),
      cancel: [],
      ready: new Set(),
    };
    records.set(uid, rec);
    state.pods.set(uid, { pod, containers: new Map(), previous: new Map() });
    if (adopted && pod.status?.containerStatuses?.length) {
      // Pods a bootstrap wrote as running (static control-plane pods) keep their status; only their processes start.
      rec.podIP = pod.status.podIP ?? rec.podIP;
      rec.startTime = pod.status.startTime ? Date.parse(pod.status.startTime) : rec.startTime;
      for (const c of pod.status.conditions ?? [])
        if (c.lastTransitionTime)
          rec.conditionTimes[c.type] = { status: c.status, at: Date.parse(c.lastTransitionTime) };
      // What it was adopted with counts as written, so a later forgery is noticed and rendered over.
      rec.written = ownedStatus(pod.status);
      for (const c of pod.spec?.containers ?? []) adopt(rec, c).catch(report);
      return;
    }
    render(rec);
    setUpVolumes(ctx, rec, () => runInit(rec, 0)).catch(report);
  };

  const adopt = async (rec: PodRecord, c: Container) => {
    const pulled = deps.registry.pull(c.image ?? '');
    if (!pulled.ok) return;
    try {
      rec.volumes ??= await prepareVolumes(state, rec.host, rec.pod, podVolumes(rec.pod));
    } catch {
      rec.volumes = new Map();
    }
    const existing = rec.pod.status?.containerStatuses?.find((s) => s.name === c.name);
    const inst = createInstance(
      ctx,
      rec,
      c,
      pulled.image,
      pulled.imageRef,
      pulled.reference.full,
      existing?.restartCount ?? 0,
    );
    if (typeof inst !== 'string') {
      inst.startedAt = existing?.state?.running?.startedAt ? Date.parse(existing.state.running.startedAt) : clock.now();
      rec.statuses.set(c.name, existing!);
    }
  };

  const runInit = (rec: PodRecord, i: number) => {
    const inits = rec.pod.spec?.initContainers ?? [];
    const c = inits[i];
    if (!c) {
      for (const main of rec.pod.spec?.containers ?? []) pullAndStart(ctx, rec, main, false);
      return;
    }
    // A native sidecar keeps running: the next init container starts once it has started.
    if (c.restartPolicy === 'Always') {
      pullAndStart(ctx, rec, c, true, undefined, () => runInit(rec, i + 1));
      return;
    }
    pullAndStart(ctx, rec, c, true, (code) => {
      if (code === 0) runInit(rec, i + 1);
    });
  };

  const teardown = (rec: PodRecord) => {
    rec.terminating = true;
    for (const cancel of rec.cancel.splice(0)) cancel();
    const podState = state.pods.get(rec.uid);
    for (const inst of podState?.containers.values() ?? []) {
      for (const cancel of inst.cancel.splice(0)) cancel();
      inst.state = 'terminated';
      inst.finishedAt ??= clock.now();
      inst.exitCode ??= 0;
    }
    rec.host.procs = rec.host.procs.filter(
      (p) =>
        p.container?.podUid !== rec.uid &&
        !p.argv.includes(rec.uid) &&
        p.pidNs !== `pod:${rec.uid}` &&
        p.pidNs !== `sandbox:${rec.uid}`,
    );
    rec.host.fs.remove(podDir(rec.uid));
    rec.host.ips.delete(rec.uid);
  };

  const terminate = (rec: PodRecord, pod: Pod) => {
    if (rec.terminating) return;
    for (const c of rec.pod.spec?.containers ?? []) {
      if (state.pods.get(rec.uid)?.containers.get(c.name)?.state === 'running')
        emit(rec, 'Normal', 'Killing', `Stopping container ${c.name}`, c.name);
    }
    teardown(rec);
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? 30;
    later(grace === 0 ? 0 : 1000, () => {
      const current = store.get(PODS, rec.namespace, rec.name);
      if (current?.metadata.uid !== rec.uid) return;
      if ((current.metadata.finalizers ?? []).length) return;
      try {
        store.delete(PODS, rec.namespace, rec.name);
      } catch {
        // Already gone.
      }
    });
  };

  state.exitContainer = (inst, code) => {
    const rec = records.get(inst.podUid);
    if (rec) exitContainer(ctx, rec, inst, code, code === 0 ? 'Completed' : 'Error');
  };

  // ---- memory: the kernel's OOM killer and the eviction manager (memory-pressure.ts) ------------
  const evict = (rec: PodRecord, message: string, nodeMessage: string) => {
    if (rec.terminating) return;
    emit(rec, 'Warning', 'Evicted', message);
    const at = rfc3339(clock.now());
    for (const inst of state.pods.get(rec.uid)?.containers.values() ?? []) {
      if (inst.state !== 'running') continue;
      emit(rec, 'Normal', 'Killing', `Stopping container ${inst.name}`, inst.name);
      const s = rec.statuses.get(inst.name);
      if (s)
        rec.statuses.set(inst.name, {
          ...s,
          ready: false,
          started: false,
          state: {
            terminated: {
              exitCode: 137,
              reason: 'Error',
              startedAt: rfc3339(inst.startedAt),
              finishedAt: at,
              containerID: `containerd://${inst.id}`,
            },
          },
        });
    }
    teardown(rec);
    const current = store.get(PODS, rec.namespace, rec.name) as (KubeObject & Pod) | undefined;
    if (!current || current.metadata?.uid !== rec.uid) return;
    // Hard eviction: grace period 0, phase Failed, reason Evicted, and the DisruptionTarget condition.
    const conditions = (current.status?.conditions ?? [])
      .filter((c) => c.type !== 'DisruptionTarget')
      .map((c) =>
        c.type === 'Ready' || c.type === 'ContainersReady'
          ? { ...c, status: 'False', reason: 'PodFailed', lastTransitionTime: at }
          : c,
      );
    conditions.push({
      type: 'DisruptionTarget',
      status: 'True',
      lastProbeTime: null as unknown as string,
      lastTransitionTime: at,
      reason: 'TerminationByKubelet',
      message: nodeMessage,
    });
    const status: PodStatus = {
      ...current.status,
      phase: 'Failed',
      reason: 'Evicted',
      message,
      conditions,
      containerStatuses: [...rec.statuses.values()],
    };
    try {
      store.update(PODS, { ...current, status } as KubeObject);
      rec.written = ownedStatus(status);
    } catch {
      // A concurrent write: the pod is stopped either way.
    }
  };
  const oomKill = (rec: PodRecord, inst: ContainerInstance) => exitContainer(ctx, rec, inst, 137, 'OOMKilled');
  state.memoryChanged = (host) => relieveMemory({ ctx, records, oomKill, evict }, host);

  // ---- reconcile ------------------------------------------------------------------------------
  // A memory store can hand out its pods without copying them; they are only read here, and
  // whatever is kept or passed on is copied (`own`).
  const scanning = store as ObjectStore & { scan?: (r: typeof PODS) => readonly Pod[] };
  const readPods = (): readonly Pod[] =>
    typeof scanning.scan === 'function' ? scanning.scan(PODS) : (store.list(PODS) as unknown as Pod[]);
  const own = (pod: Pod): Pod => (typeof scanning.scan === 'function' ? (JSON.parse(JSON.stringify(pod)) as Pod) : pod);
  const sync = () => {
    const seen = new Set<string>();
    for (const stored of readPods()) {
      const uid = stored.metadata?.uid;
      if (!uid || !stored.spec?.nodeName) continue;
      seen.add(uid);
      const rec = records.get(uid);
      const phase = stored.status?.phase;
      if (!rec && !stored.metadata?.deletionTimestamp && (phase === 'Succeeded' || phase === 'Failed')) continue;
      // Sync runs on every pod event; copying only pods that changed since the record saw them
      // keeps it from deep-copying every pod of the cluster each time.
      const pod = rec && rec.pod.metadata?.resourceVersion === stored.metadata?.resourceVersion ? rec.pod : own(stored);
      if (pod.metadata?.deletionTimestamp) {
        if (rec) terminate(rec, pod);
        else {
          try {
            store.delete(PODS, pod.metadata.namespace, pod.metadata.name!);
          } catch {
            // Already gone.
          }
        }
        continue;
      }
      if (rec) {
        const changed = rec.pod !== pod;
        rec.pod = pod;
        // Someone else wrote the status (a learner patching pods/status): write the kubelet's own back.
        if (changed && !rec.terminating && rec.written !== undefined && ownedStatus(pod.status) !== rec.written)
          render(rec);
        // A changed image (the one mutable container field) restarts that container with it.
        for (const c of pod.spec?.containers ?? []) {
          const inst = state.pods.get(uid)?.containers.get(c.name);
          if (inst && inst.state === 'running' && inst.spec.image !== c.image && !rec.terminating)
            replaceContainer(ctx, rec, inst, c);
        }
        for (const ec of pod.spec?.ephemeralContainers ?? []) {
          if (rec.ephemeral.has(ec.name) || rec.terminating) continue;
          rec.ephemeral.add(ec.name);
          pullAndStart(ctx, rec, ec as Container, false);
        }
        continue;
      }
      const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
      if (!terminal) begin(pod);
    }
    for (const [uid, rec] of records) {
      if (!seen.has(uid)) {
        if (!rec.terminating) teardown(rec);
        records.delete(uid);
        state.pods.delete(uid);
      }
    }
  };

  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      if (stopped) return;
      try {
        sync();
      } catch (e) {
        report(e);
      }
    });
  };
  const unsubscribe = store.subscribe((e) => {
    if (e.resource.group === '' && (e.resource.resource === 'pods' || e.resource.resource === 'nodes')) schedule();
  });
  sync();
  return () => {
    stopped = true;
    unsubscribe();
    for (const pod of state.pods.values()) {
      for (const inst of pod.containers.values()) for (const cancel of inst.cancel.splice(0)) cancel();
    }
    for (const cancel of timers) cancel();
    timers.clear();
  };
}

function allocateIp(host: NodeHost, uid: string): string {
  const existing = host.ips.get(uid);
  if (existing) return existing;
  const range = parseCidr(host.podCIDR);
  const base = range ? range.start : (parseIPv4('10.244.0.0') ?? 0);
  const used = new Set(host.ips.values());
  for (let i = 2; i < 254; i++) {
    const ip = formatIPv4(base + i);
    if (!used.has(ip)) {
      host.ips.set(uid, ip);
      return ip;
    }
  }
  return formatIPv4(base + 254);
}
