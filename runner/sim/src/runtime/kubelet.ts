import type { KubeObject } from '@paranoid/k8s/object.ts';
import { millicores, quantityValue as quantity } from '@paranoid/k8s/quantity.ts';
import type { Image, ImageProcess } from '@paranoid/schema/image.ts';
import type { Container, ContainerStatus, Pod, PodStatus, Volume } from 'kubernetes-types/core/v1';
import { formatIPv4, parseCidr, parseIPv4 } from '../network/ip.ts';
import type { ObjectStore } from '../store.ts';
import {
  automounts,
  ConfigError,
  containerMounts,
  imageRootFs,
  implicitTokenVolume,
  type PreparedVolume,
  podDir,
  prepareVolumes,
  resolveEnv,
} from './container-setup.ts';
import { listenerInPod } from './listening.ts';
import { allocPid, nodeHost } from './node-host.ts';
import { type ConditionTransition, generatePodStatus, waitingStatus } from './pod-status.ts';
import { formatPod, resolveSecurity } from './security.ts';
import { runMainScript } from './shell/main-process.ts';
import { runtimeState } from './state.ts';
import { formatLogTime, hex64, rfc3339 } from './time.ts';
import type { ContainerInstance, NodeHost, Proc, RuntimeDeps } from './types.ts';

const PODS = { group: '', resource: 'pods' };
const EVENTS = { group: '', resource: 'events' };
/** How long a first pull of an image takes on a node. */
export const PULL_MS = 800;
const BACKOFF_START_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;

/** Ephemeral containers (`kubectl debug`) keep their own status list. */
function statusMap(rec: PodRecord, name: string, isInit: boolean): Map<string, ContainerStatus> {
  if (rec.ephemeral.has(name)) return rec.ephemeralStatuses;
  return isInit ? rec.initStatuses : rec.statuses;
}

interface PodRecord {
  uid: string;
  namespace: string;
  name: string;
  host: NodeHost;
  pod: Pod;
  statuses: Map<string, ContainerStatus>;
  initStatuses: Map<string, ContainerStatus>;
  ephemeralStatuses: Map<string, ContainerStatus>;
  /** Names of ephemeral containers already started. */
  ephemeral: Set<string>;
  volumes?: Map<string, PreparedVolume>;
  startTime: number;
  conditionTimes: Record<string, ConditionTransition>;
  podIP: string;
  terminating: boolean;
  backoff: Map<string, number>;
  cancel: Array<() => void>;
  ready: Set<string>;
  /** The kubelet-owned part of the status this kubelet last wrote ({@link ownedStatus}); undefined before the first write. */
  written?: string;
}

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
    setUpVolumes(rec).catch(report);
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

  const setUpVolumes = async (rec: PodRecord) => {
    if (rec.terminating) return;
    try {
      rec.volumes = await prepareVolumes(state, rec.host, rec.pod, podVolumes(rec.pod));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      emit(rec, 'Warning', 'FailedMount', e.message);
      rec.cancel.push(later(BACKOFF_START_MS, () => setUpVolumes(rec).catch(report)));
      return;
    }
    const inits = rec.pod.spec?.initContainers ?? [];
    if (inits.length) runInit(rec, 0);
    else for (const c of rec.pod.spec?.containers ?? []) pull(rec, c, false);
  };

  const runInit = (rec: PodRecord, i: number) => {
    const inits = rec.pod.spec?.initContainers ?? [];
    const c = inits[i];
    if (!c) {
      for (const main of rec.pod.spec?.containers ?? []) pull(rec, main, false);
      return;
    }
    pull(rec, c, true, (code) => {
      if (code === 0) runInit(rec, i + 1);
    });
  };

  const backoffFor = (rec: PodRecord, key: string) => {
    const cur = rec.backoff.get(key);
    const next = cur === undefined ? BACKOFF_START_MS : Math.min(cur * 2, BACKOFF_MAX_MS);
    rec.backoff.set(key, next);
    return next;
  };

  const pull = (rec: PodRecord, c: Container, isInit: boolean, onExit?: (code: number) => void) => {
    if (rec.terminating) return;
    const ref = c.image ?? '';
    const res = deps.registry.pull(ref);
    const tag = /:[^/]+$/.test(ref.split('@')[0] ?? '') ? ref.split('@')[0]!.split(':').pop() : undefined;
    const policy = c.imagePullPolicy ?? (!ref.includes('@') && (!tag || tag === 'latest') ? 'Always' : 'IfNotPresent');
    const present = res.ok && rec.host.pulled.has(res.imageRef);
    if (policy === 'Never' && !present) {
      const msg = `Container image "${ref}" is not present with pull policy of Never`;
      emit(rec, 'Warning', 'ErrImageNeverPull', msg, c.name);
      setStatus(rec, c, isInit, waiting(c, rec, 'ErrImageNeverPull', msg));
      return;
    }
    if (res.ok && present && policy !== 'Always') {
      emit(rec, 'Normal', 'Pulled', `Container image "${ref}" already present on machine`, c.name);
      create(rec, c, isInit, res.image, res.imageRef, res.reference.full, onExit);
      return;
    }
    emit(rec, 'Normal', 'Pulling', `Pulling image "${ref}"`, c.name);
    const ms = present ? 300 : PULL_MS;
    rec.cancel.push(
      later(ms, () => {
        if (rec.terminating) return;
        if (!res.ok) {
          emit(rec, 'Warning', 'Failed', `Failed to pull image "${ref}": ${res.message}`, c.name);
          emit(rec, 'Warning', 'Failed', 'Error: ErrImagePull', c.name);
          setStatus(rec, c, isInit, waiting(c, rec, 'ErrImagePull', `Failed to pull image "${ref}": ${res.message}`));
          const wait = backoffFor(rec, `pull:${c.name}`);
          rec.cancel.push(
            later(1000, () => {
              emit(rec, 'Normal', 'BackOff', `Back-off pulling image "${ref}"`, c.name);
              emit(rec, 'Warning', 'Failed', 'Error: ImagePullBackOff', c.name);
              setStatus(rec, c, isInit, waiting(c, rec, 'ImagePullBackOff', `Back-off pulling image "${ref}"`));
              rec.cancel.push(later(wait, () => pull(rec, c, isInit, onExit)));
            }),
          );
          return;
        }
        rec.host.pulled.add(res.imageRef);
        const secs = (ms / 1000).toFixed(3);
        emit(
          rec,
          'Normal',
          'Pulled',
          `Successfully pulled image "${ref}" in ${secs}s (${secs}s including waiting). Image size: ${res.image.size ?? 4_000_000} bytes.`,
          c.name,
        );
        create(rec, c, isInit, res.image, res.imageRef, res.reference.full, onExit);
      }),
    );
  };

  const createInstance = (
    rec: PodRecord,
    c: Container,
    image: Image,
    imageRef: string,
    imageName: string,
    restartCount: number,
  ): ContainerInstance | string => {
    const rootFs = imageRootFs(image, () => clock.now());
    const secRes = resolveSecurity(rec.pod, c, image, rootFs.stat('/etc/passwd')?.content ?? '');
    if (!secRes.ok) return secRes.message;
    let env: string[];
    try {
      env = resolveEnv(state, rec.pod, c, image);
    } catch (e) {
      if (e instanceof ConfigError) return e.message;
      throw e;
    }
    const sec = secRes.sec;
    const home = rootFs
      .stat('/etc/passwd')
      ?.content.split('\n')
      .map((l) => l.split(':'))
      .find((f) => Number(f[2]) === sec.uid)?.[5];
    if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${home || '/'}`);
    const ns = rec.namespace;
    const hostname = rec.pod.spec?.hostNetwork ? rec.host.name : (rec.pod.spec?.hostname ?? rec.name);
    rootFs.put('/etc/hostname', `${hostname}\n`);
    for (const dev of ['null', 'zero', 'random', 'urandom', 'tty', 'full']) rootFs.put(`/dev/${dev}`, '', 0o666);
    rootFs.put('/dev/termination-log', '', 0o666);
    // A privileged container gets every host device, the node's disk included.
    if (sec.privileged)
      for (const dev of ['vda', 'vda1', 'vdb', 'kmsg', 'mem']) rootFs.put(`/dev/${dev}`, '', 0o660, 0, 6);
    rootFs.put(
      '/etc/hosts',
      `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n${rec.podIP}\t${hostname}\n`,
    );
    rootFs.put(
      '/etc/resolv.conf',
      rec.pod.spec?.hostNetwork && rec.pod.spec.dnsPolicy !== 'ClusterFirstWithHostNet'
        ? (rec.host.fs.stat('/etc/resolv.conf')?.content ?? '')
        : `search ${ns}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n`,
    );
    // An ephemeral container with a target joins that container's PID namespace (`kubectl debug --target`).
    const target = (c as { targetContainerName?: string }).targetContainerName;
    const pidNs = sec.hostPID
      ? 'host'
      : rec.pod.spec?.shareProcessNamespace
        ? `pod:${rec.uid}`
        : `ctr:${rec.uid}:${target && rec.ephemeral.has(c.name) ? target : c.name}`;
    const volumeMounts = [...(c.volumeMounts ?? [])];
    const volumes = new Map(rec.volumes ?? []);
    const saDir = '/var/run/secrets/kubernetes.io/serviceaccount';
    if (automounts(state, rec.pod) && !volumeMounts.some((m) => m.mountPath === saDir)) {
      const implicit = implicitTokenVolume(rec.pod);
      const existing = [...volumes.keys()].find((k) => k.startsWith('kube-api-access-'));
      volumeMounts.push({ name: existing ?? implicit.name, mountPath: saDir, readOnly: true });
    }
    const mounts = containerMounts(state, rec.host, rec.pod, { ...c, volumeMounts }, rootFs, sec, volumes, pidNs);
    const entry = c.command ?? image.config.entrypoint;
    const args = c.args ?? (c.command ? [] : image.config.cmd);
    const argv = [...entry, ...args];
    const inst: ContainerInstance = {
      id: hex64(() => deps.ids.uid()),
      podUid: rec.uid,
      namespace: ns,
      podName: rec.name,
      name: c.name,
      nodeName: rec.host.name,
      spec: c,
      image,
      imageRef,
      imageName,
      sec,
      env,
      argv,
      pidNs,
      rootFs,
      mounts,
      workingDir: c.workingDir ?? image.config.workingDir,
      state: 'running',
      startedAt: clock.now(),
      restartCount,
      logs: [],
      processDefs: [],
      procs: [],
      cancel: [],
    };
    const podState = state.pods.get(rec.uid);
    const old = podState?.containers.get(c.name);
    if (old && podState) podState.previous.set(c.name, old);
    podState?.containers.set(c.name, inst);
    spawnProcesses(rec, inst, c);
    return inst;
  };

  const spawnProcesses = (rec: PodRecord, inst: ContainerInstance, c: Container) => {
    const plan = planProcesses(inst);
    const host = rec.host;
    const pidNs = inst.pidNs;
    const shim = host.procs.find(
      (p) => p.argv[0] === '/usr/local/bin/containerd-shim-runc-v2' && p.argv.includes(rec.uid),
    );
    const shimPid =
      shim?.pid ??
      (() => {
        const { pid } = allocPid(host, 'host');
        host.procs.push({
          pid,
          ppid: 1,
          pidNs: 'host',
          nsPid: pid,
          argv: [
            '/usr/local/bin/containerd-shim-runc-v2',
            '-namespace',
            'k8s.io',
            '-id',
            rec.uid,
            '-address',
            '/run/containerd/containerd.sock',
          ],
          uid: 0,
          gid: 0,
          startedAt: clock.now(),
          cpuMilli: 1,
          memBytes: 9 << 20,
          sec: { ...inst.sec },
          env: [],
        });
        return pid;
      })();
    // Every pod has its sandbox's pause process; with shareProcessNamespace it is PID 1 of the pod.
    const sandboxNs = pidNs.startsWith('pod:') ? pidNs : `sandbox:${rec.uid}`;
    if (!host.procs.some((p) => p.pidNs === sandboxNs && p.argv[0] === '/pause')) {
      const { pid, nsPid } = allocPid(host, sandboxNs);
      host.procs.push({
        pid,
        ppid: shimPid,
        pidNs: sandboxNs,
        nsPid,
        argv: ['/pause'],
        uid: 65535,
        gid: 65535,
        startedAt: clock.now(),
        cpuMilli: 0,
        memBytes: 300 * 1024,
        sec: { ...inst.sec, uid: 65535, gid: 65535, effective: new Set() },
        env: [],
      });
    }
    const users = inst.rootFs.stat('/etc/passwd')?.content ?? '';
    const cpuLimit = millicores(c.resources?.limits?.cpu as string | undefined);
    const demand = plan.defs.reduce((s, d) => s + (millicores(d.cpu) ?? 0), 0);
    const scale = cpuLimit !== undefined && demand > cpuLimit ? cpuLimit / demand : 1;
    let first: Proc | undefined;
    plan.defs.forEach((d, i) => {
      const { pid, nsPid } = allocPid(host, pidNs);
      let uid = inst.sec.uid;
      let gid = inst.sec.gid;
      if (d.user && inst.sec.uid === 0) {
        const u = users
          .split('\n')
          .map((l) => l.split(':'))
          .find((f) => f[0] === d.user);
        if (u) {
          uid = Number(u[2]);
          gid = Number(u[3]);
        }
      }
      const p: Proc = {
        pid,
        ppid: d.child && first ? first.pid : shimPid,
        pidNs,
        nsPid,
        argv: i === 0 ? (plan.argv0 ?? d.argv ?? inst.argv) : (d.argv ?? [d.name]),
        uid,
        gid,
        startedAt: clock.now(),
        cpuMilli: Math.round((millicores(d.cpu) ?? 0) * scale),
        memBytes: quantity(d.memory) ?? 0,
        sec: uid === inst.sec.uid ? inst.sec : { ...inst.sec, uid, gid, effective: new Set() },
        env: inst.env,
        container: inst,
        ...(d.listen ? { listen: d.listen } : {}),
        ...(d.alsoListen.length ? { alsoListen: d.alsoListen } : {}),
        ...(d.listen?.kind === 'kv' ? { kv: new Map(Object.entries(d.listen.kv?.data ?? {})) } : {}),
      };
      if (!first) first = p;
      host.procs.push(p);
      inst.procs.push(p);
      for (const line of d.logs) {
        const at = clock.now();
        const stamp = d.timePrefix ? formatLogTime(d.timePrefix, at) : '';
        inst.logs.push({ at, stream: 'stdout', text: `${stamp}${line}` });
      }
    });
    inst.processDefs = plan.defs;
    const memLimit = quantity(c.resources?.limits?.memory as string | undefined);
    const mem = inst.procs.reduce((s, p) => s + p.memBytes, 0);
    if (plan.startError) {
      const message = plan.startError;
      inst.startErrorMessage = message;
      inst.cancel.push(later(0, () => exitContainer(rec, inst, 128, 'StartError', message)));
      return;
    }
    if (memLimit !== undefined && mem > memLimit) {
      inst.cancel.push(later(1500, () => exitContainer(rec, inst, 137, 'OOMKilled')));
    } else if (plan.script !== undefined && first) {
      const main = first;
      runMainScript(state, inst, main, plan.script, () => clock.now()).then((code) => {
        if (inst.state === 'running' && !rec.terminating)
          exitContainer(rec, inst, code, code === 0 ? 'Completed' : 'Error');
      }, report);
    } else if (plan.exit) {
      const { ms, code } = plan.exit;
      inst.cancel.push(later(ms, () => exitContainer(rec, inst, code, code === 0 ? 'Completed' : 'Error')));
    }
  };

  const create = (
    rec: PodRecord,
    c: Container,
    isInit: boolean,
    image: Image,
    imageRef: string,
    imageName: string,
    onExit?: (code: number) => void,
  ) => {
    if (rec.terminating) return;
    const prev = statusMap(rec, c.name, isInit).get(c.name);
    const restartCount =
      prev?.state?.running || prev?.lastState?.terminated || prev?.state?.terminated
        ? (prev.restartCount ?? 0) + (prev.state?.terminated || prev.state?.waiting ? 1 : 0)
        : (prev?.restartCount ?? 0);
    const inst = createInstance(rec, c, image, imageRef, imageName, restartCount);
    if (typeof inst === 'string') {
      emit(rec, 'Warning', 'Failed', `Error: ${inst}`, c.name);
      setStatus(rec, c, isInit, waiting(c, rec, 'CreateContainerConfigError', inst));
      rec.cancel.push(later(BACKOFF_START_MS, () => create(rec, c, isInit, image, imageRef, imageName, onExit)));
      return;
    }
    instExit.set(inst, { isInit, onExit, image, imageRef, imageName });
    emit(rec, 'Normal', 'Created', `Created container: ${c.name}`, c.name);
    if (inst.startErrorMessage) return;
    emit(rec, 'Normal', 'Started', `Started container ${c.name}`, c.name);
    const probe = c.readinessProbe;
    const ready = !isInit && !rec.ephemeral.has(c.name) && (!probe || probeOk(rec, probe));
    setStatus(rec, c, isInit, {
      name: c.name,
      image: imageName,
      imageID: imageRef,
      containerID: `containerd://${inst.id}`,
      ready: ready && !probe?.initialDelaySeconds,
      restartCount,
      started: true,
      state: { running: { startedAt: rfc3339(inst.startedAt) } },
      lastState: prev?.lastState ?? {},
    });
    if (probe && !isInit) {
      const period = (probe.periodSeconds ?? 10) * 1000;
      const check = () => {
        if (inst.state !== 'running' || rec.terminating) return;
        const ok = probeOk(rec, probe);
        const s = rec.statuses.get(c.name);
        if (s && s.ready !== ok) {
          if (!ok) emit(rec, 'Warning', 'Unhealthy', `Readiness probe failed: ${probeFailure(rec, probe)}`, c.name);
          setStatus(rec, c, false, { ...s, ready: ok });
        }
        inst.cancel.push(later(period, check));
      };
      inst.cancel.push(later((probe.initialDelaySeconds ?? 0) * 1000 || period, check));
    }
    const live = c.livenessProbe;
    if (live && !isInit && !live.exec) {
      const period = (live.periodSeconds ?? 10) * 1000;
      let failures = 0;
      const check = () => {
        if (inst.state !== 'running' || rec.terminating) return;
        if (probeOk(rec, live)) failures = 0;
        else {
          failures++;
          emit(rec, 'Warning', 'Unhealthy', `Liveness probe failed: ${probeFailure(rec, live)}`, c.name);
          if (failures >= (live.failureThreshold ?? 3)) {
            emit(rec, 'Normal', 'Killing', `Container ${c.name} failed liveness probe, will be restarted`, c.name);
            exitContainer(rec, inst, 137, 'Error');
            return;
          }
        }
        inst.cancel.push(later(period, check));
      };
      inst.cancel.push(later((live.initialDelaySeconds ?? 0) * 1000 + period, check));
    }
  };

  const instExit = new WeakMap<
    ContainerInstance,
    { isInit: boolean; onExit?: (code: number) => void; image: Image; imageRef: string; imageName: string }
  >();

  const probeOk = (rec: PodRecord, probe: NonNullable<Container['readinessProbe']>): boolean => {
    const port = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
    if (port === undefined) return true;
    const num = typeof port === 'number' ? port : /^\d+$/.test(port) ? Number(port) : namedPort(rec.pod, port);
    return num !== undefined && !!listenerInPod(state, rec.pod, num);
  };

  const probeFailure = (rec: PodRecord, probe: NonNullable<Container['readinessProbe']>) => {
    const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
    return probe.httpGet
      ? `Get "http://${rec.podIP}:${port}${probe.httpGet.path ?? '/'}": dial tcp ${rec.podIP}:${port}: connect: connection refused`
      : `dial tcp ${rec.podIP}:${port}: connect: connection refused`;
  };

  const exitContainer = (rec: PodRecord, inst: ContainerInstance, code: number, reason: string, message?: string) => {
    if (inst.state !== 'running') return;
    inst.state = 'terminated';
    inst.exitCode = code;
    inst.reason = reason;
    inst.finishedAt = clock.now();
    if (message) inst.startErrorMessage = message;
    for (const cancel of inst.cancel.splice(0)) cancel();
    removeProcs(rec.host, inst.procs);
    const meta = instExit.get(inst);
    const isInit = meta?.isInit ?? false;
    const c = inst.spec;
    const terminated = {
      exitCode: code,
      reason,
      ...(message ? { message } : {}),
      startedAt: rfc3339(inst.startedAt),
      finishedAt: rfc3339(inst.finishedAt),
      containerID: `containerd://${inst.id}`,
    };
    const policy = rec.pod.spec?.restartPolicy ?? 'Always';
    const restart =
      !rec.terminating &&
      !rec.ephemeral.has(c.name) &&
      (policy === 'Always' ? !isInit || code !== 0 : policy === 'OnFailure' && code !== 0);
    const base: ContainerStatus = {
      name: c.name,
      image: inst.imageName,
      imageID: inst.imageRef,
      containerID: `containerd://${inst.id}`,
      ready: false,
      restartCount: inst.restartCount,
      started: false,
      state: { terminated },
      lastState: rec.statuses.get(c.name)?.lastState ?? {},
    };
    if (reason === 'StartError' && message) emit(rec, 'Warning', 'Failed', `Error: ${message}`, c.name);
    if (!restart) {
      setStatus(rec, c, isInit, base);
      meta?.onExit?.(code);
      return;
    }
    const wait = backoffFor(rec, `crash:${c.name}`);
    const backoffMsg = `back-off ${wait / 1000}s restarting failed container=${c.name} pod=${formatPod(rec.pod)}`;
    setStatus(rec, c, isInit, { ...base, restartCount: inst.restartCount, state: { terminated } });
    rec.cancel.push(
      later(200, () => {
        if (rec.terminating) return;
        emit(
          rec,
          'Warning',
          'BackOff',
          `Back-off restarting failed container ${c.name} in pod ${formatPod(rec.pod)}`,
          c.name,
        );
        setStatus(rec, c, isInit, {
          ...base,
          restartCount: inst.restartCount,
          state: { waiting: { reason: 'CrashLoopBackOff', message: backoffMsg } },
          lastState: { terminated },
        });
      }),
    );
    rec.cancel.push(
      later(wait, () => {
        if (rec.terminating || !meta) return;
        const s = statusMap(rec, c.name, isInit).get(c.name);
        if (s)
          statusMap(rec, c.name, isInit).set(c.name, {
            ...s,
            restartCount: inst.restartCount + 1,
            state: { waiting: { reason: 'ContainerCreating' } },
            lastState: { terminated },
          });
        emit(rec, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, c.name);
        createAgain(rec, c, isInit, meta, inst.restartCount + 1, terminated);
      }),
    );
  };

  const createAgain = (
    rec: PodRecord,
    c: Container,
    isInit: boolean,
    meta: { onExit?: (code: number) => void; image: Image; imageRef: string; imageName: string },
    restartCount: number,
    lastTerminated: NonNullable<ContainerStatus['state']>['terminated'],
  ) => {
    const inst = createInstance(rec, c, meta.image, meta.imageRef, meta.imageName, restartCount);
    if (typeof inst === 'string') {
      emit(rec, 'Warning', 'Failed', `Error: ${inst}`, c.name);
      setStatus(rec, c, isInit, { ...waiting(c, rec, 'CreateContainerConfigError', inst), restartCount });
      rec.cancel.push(later(BACKOFF_START_MS, () => createAgain(rec, c, isInit, meta, restartCount, lastTerminated)));
      return;
    }
    instExit.set(inst, { isInit, ...meta });
    emit(rec, 'Normal', 'Created', `Created container: ${c.name}`, c.name);
    if (inst.startErrorMessage) return;
    emit(rec, 'Normal', 'Started', `Started container ${c.name}`, c.name);
    const ready = !isInit && (!c.readinessProbe || probeOk(rec, c.readinessProbe));
    setStatus(rec, c, isInit, {
      name: c.name,
      image: meta.imageName,
      imageID: meta.imageRef,
      containerID: `containerd://${inst.id}`,
      ready,
      restartCount,
      started: true,
      state: { running: { startedAt: rfc3339(inst.startedAt) } },
      lastState: lastTerminated ? { terminated: lastTerminated } : {},
    });
  };

  const replaceContainer = (rec: PodRecord, inst: ContainerInstance, c: Container) => {
    emit(rec, 'Normal', 'Killing', `Container ${c.name} definition changed, will be restarted`, c.name);
    inst.state = 'terminated';
    inst.exitCode = 137;
    inst.reason = 'Error';
    inst.finishedAt = clock.now();
    for (const cancel of inst.cancel.splice(0)) cancel();
    removeProcs(rec.host, inst.procs);
    const prev = rec.statuses.get(c.name);
    rec.statuses.set(c.name, {
      ...(prev ?? waiting(c, rec, 'ContainerCreating')),
      ready: false,
      started: false,
      state: { waiting: { reason: 'ContainerCreating' } },
      lastState: {
        terminated: {
          exitCode: 137,
          reason: 'Error',
          startedAt: rfc3339(inst.startedAt),
          finishedAt: rfc3339(clock.now()),
          containerID: `containerd://${inst.id}`,
        },
      },
    });
    render(rec);
    pull(rec, c, false);
  };

  const removeProcs = (host: NodeHost, procs: Proc[]) => {
    const gone = new Set(procs.map((p) => p.pid));
    host.procs = host.procs.filter((p) => !gone.has(p.pid));
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
    if (rec) exitContainer(rec, inst, code, code === 0 ? 'Completed' : 'Error');
  };

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
            replaceContainer(rec, inst, c);
        }
        for (const ec of pod.spec?.ephemeralContainers ?? []) {
          if (rec.ephemeral.has(ec.name) || rec.terminating) continue;
          rec.ephemeral.add(ec.name);
          pull(rec, ec as Container, false);
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

function namedPort(pod: Pod, name: string): number | undefined {
  for (const c of pod.spec?.containers ?? [])
    for (const p of c.ports ?? []) if (p.name === name) return p.containerPort;
  return undefined;
}

function podVolumes(pod: Pod): Volume[] {
  return [
    ...(pod.spec?.volumes ?? []),
    ...(pod.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-')) ? [] : [implicitTokenVolume(pod)]),
  ];
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

/** What runs in a container: the image's processes, a shell script, a sleep, or nothing at all. */
export interface ProcessPlan {
  defs: ImageProcess[];
  /** argv of the first process when the pod overrode command/args. */
  argv0?: string[];
  script?: string;
  exit?: { ms: number; code: number };
  startError?: string;
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh']);

export function planProcesses(inst: ContainerInstance): ProcessPlan {
  const { image, argv, spec } = inst;
  const overridden = spec.command !== undefined || spec.args !== undefined;
  const base = (s: string | undefined) => (s ?? '').split('/').pop() ?? '';
  const idle = (name: string, a: string[]): ImageProcess => ({
    name,
    argv: a,
    cpu: '0',
    memory: '1Mi',
    logs: [],
    alsoListen: [],
  });
  if (image.processes.length && !overridden) return { defs: image.processes };
  const exe = base(argv[0]);
  if (!argv.length)
    return {
      defs: [],
      startError:
        'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: no command specified: unknown',
    };
  const known = image.processes.find(
    (p) => base(p.argv?.[0]?.split(' ')[0]) === exe || p.name === exe || base(image.config.entrypoint[0]) === exe,
  );
  if (known && !SHELLS.has(exe)) {
    return { defs: [known, ...image.processes.filter((p) => p !== known && p.child)], argv0: argv };
  }
  const binaries = new Set(image.binaries);
  const onPath = binaries.has(exe) || !!inst.rootFs.stat(argv[0]!) || image.processes.some((p) => p.name === exe);
  if (!onPath) {
    return {
      defs: [],
      startError: `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: "${argv[0]}": executable file not found in $PATH: unknown`,
    };
  }
  if (SHELLS.has(exe)) {
    const c = argv.indexOf('-c');
    if (c >= 0 && argv[c + 1] !== undefined) return { defs: [idle(exe, argv)], script: argv[c + 1] };
    // A shell with stdin open (`kubectl run -it`, `kubectl debug`) waits for input; without, it reads EOF and exits.
    if (spec.stdin) return { defs: [idle(exe, argv)] };
    return { defs: [idle(exe, argv)], exit: { ms: 100, code: 0 } };
  }
  if (exe === 'sleep') {
    const arg = argv[1] ?? '';
    const m = arg.match(/^(\d+(?:\.\d+)?)([smhd]?)$/);
    const secs =
      arg === 'infinity'
        ? Number.POSITIVE_INFINITY
        : m
          ? Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2] ?? '']!
          : 0;
    return { defs: [idle(exe, argv)], ...(Number.isFinite(secs) ? { exit: { ms: secs * 1000, code: 0 } } : {}) };
  }
  if (exe === 'tail' && argv.includes('-f')) return { defs: [idle(exe, argv)] };
  // Any other known command runs once through the shell, so `echo hi` logs `hi` and exits.
  return { defs: [idle(exe, argv)], script: argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ') };
}
