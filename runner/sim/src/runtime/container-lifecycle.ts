import { millicores, quantityValue as quantity } from '@paranoid/k8s/quantity.ts';
import type { Image } from '@paranoid/schema/image.ts';
import type { Container, ContainerStatus, Pod } from 'kubernetes-types/core/v1';
import {
  automounts,
  ConfigError,
  containerMounts,
  imageRootFs,
  implicitTokenVolume,
  resolveEnv,
} from './container-setup.ts';
import { startFalco } from './falco-process.ts';
import { pullImage } from './image-pull.ts';
import { BUILD_MS, runKaniko } from './kaniko-process.ts';
import { BACKOFF_START_MS, backoffFor, type KubeletContext, type PodRecord, statusMap } from './kubelet-context.ts';
import { listenerInPod } from './listening.ts';
import { allocPid } from './node-host.ts';
import { planProcesses } from './process-plan.ts';
import { formatPod, resolveSecurity } from './security.ts';
import { runMainScript } from './shell/main-process.ts';
import { sysForContainer } from './shell/sys.ts';
import { emitExecve, listening } from './syscalls.ts';
import { formatLogTime, hex64, rfc3339 } from './time.ts';
import type { ContainerInstance, NodeHost, Proc } from './types.ts';

// Container lifecycle (upstream pkg/kubelet/kuberuntime kuberuntime_container.go): create a
// container from its image and the pod's spec, start its processes, probe it, and on exit
// either leave it terminated or restart it after the CrashLoopBackOff back-off.

/** Pulls the container's image, then starts the container. */
export function pullAndStart(
  ctx: KubeletContext,
  rec: PodRecord,
  c: Container,
  isInit: boolean,
  onExit?: (code: number) => void,
  /** Called once the container has started (a native sidecar lets the next init container start then). */
  onStarted?: () => void,
): void {
  pullImage(ctx, rec, c, isInit, (image, imageRef, imageName) =>
    startContainer(ctx, rec, c, isInit, image, imageRef, imageName, onExit, onStarted),
  );
}

/**
 * A native sidecar (KEP-753): an init container with `restartPolicy: Always`. It starts in
 * init order, keeps running beside the app, is probed and restarted like an app container
 * whatever the pod's restart policy, and counts for the pod's readiness.
 */
export const isSidecar = (c: Container, isInit: boolean): boolean => isInit && c.restartPolicy === 'Always';

/**
 * Creates the container: its root file system from the image, security context, env, hosts and
 * resolv.conf, mounts, PID namespace; records it in the runtime state and spawns its processes.
 * Returns the error message when the container's config cannot be resolved (CreateContainerConfigError).
 */
export function createInstance(
  ctx: KubeletContext,
  rec: PodRecord,
  c: Container,
  image: Image,
  imageRef: string,
  imageName: string,
  restartCount: number,
): ContainerInstance | string {
  const { state, clock, deps } = ctx;
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
  spawnProcesses(ctx, rec, inst, c);
  return inst;
}

/**
 * Starts the container's processes on the node (under the pod's shim and pause), scales their CPU to
 * the limit, and schedules how it ends: StartError, OOMKilled over the memory limit, its script's exit
 * code, or a planned exit.
 */
export function spawnProcesses(ctx: KubeletContext, rec: PodRecord, inst: ContainerInstance, c: Container) {
  const { state, clock, later, report } = ctx;
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
  // The entrypoint is exec'd by the runtime, as any agent watching the node sees it.
  if (first) {
    const exe = first.argv[0] ?? '';
    const binDir = inst.image.binDir ?? (inst.image.userland === 'gnu' ? '/usr/bin' : '/bin');
    if (!exe.includes(' ')) first.exePath = exe.startsWith('/') ? exe : `${binDir}/${exe}`;
    // The context costs a copy of the pod; build it only for a node something watches.
    if (listening(state, inst.nodeName)) emitExecve(sysForContainer(state, inst, first, false), first);
  }
  const watcher = plan.defs.find((d) => d.watchSyscalls);
  if (watcher?.watchSyscalls && !plan.startError) {
    const failed = startFalco(state, inst, watcher.watchSyscalls.config);
    if (failed !== undefined) {
      inst.cancel.push(later(0, () => exitContainer(ctx, rec, inst, 1, 'Error')));
      return;
    }
  }
  const builder = plan.defs.find((d) => d.build);
  if (builder?.build && !plan.startError && first) {
    const argv = first.argv;
    inst.cancel.push(
      later(BUILD_MS, () => {
        if (inst.state !== 'running' || rec.terminating) return;
        const code = runKaniko(state, inst, argv);
        exitContainer(ctx, rec, inst, code, code === 0 ? 'Completed' : 'Error');
      }),
    );
    return;
  }
  const memLimit = quantity(c.resources?.limits?.memory as string | undefined);
  const mem = inst.procs.reduce((s, p) => s + p.memBytes, 0);
  if (plan.startError) {
    const message = plan.startError;
    inst.startErrorMessage = message;
    inst.cancel.push(later(0, () => exitContainer(ctx, rec, inst, 128, 'StartError', message)));
    return;
  }
  if (memLimit !== undefined && mem > memLimit) {
    inst.cancel.push(later(1500, () => exitContainer(ctx, rec, inst, 137, 'OOMKilled')));
  } else if (plan.script !== undefined && first) {
    const main = first;
    runMainScript(state, inst, main, plan.script, () => clock.now()).then((code) => {
      if (inst.state === 'running' && !rec.terminating)
        exitContainer(ctx, rec, inst, code, code === 0 ? 'Completed' : 'Error');
    }, report);
  } else if (plan.exit) {
    const { ms, code } = plan.exit;
    inst.cancel.push(later(ms, () => exitContainer(ctx, rec, inst, code, code === 0 ? 'Completed' : 'Error')));
  }
}

/**
 * Creates and starts a pulled container (Created/Started), sets its status with its restart count,
 * and runs its readiness and liveness probes; a config error retries after the back-off.
 */
export function startContainer(
  ctx: KubeletContext,
  rec: PodRecord,
  c: Container,
  isInit: boolean,
  image: Image,
  imageRef: string,
  imageName: string,
  onExit?: (code: number) => void,
  onStarted?: () => void,
) {
  const { emit, later, setStatus, waiting, instExit } = ctx;
  if (rec.terminating) return;
  // App containers and native sidecars are probed; run-to-completion init containers are not.
  const probed = !isInit || isSidecar(c, isInit);
  const prev = statusMap(rec, c.name, isInit).get(c.name);
  const restartCount =
    prev?.state?.running || prev?.lastState?.terminated || prev?.state?.terminated
      ? (prev.restartCount ?? 0) + (prev.state?.terminated || prev.state?.waiting ? 1 : 0)
      : (prev?.restartCount ?? 0);
  const inst = createInstance(ctx, rec, c, image, imageRef, imageName, restartCount);
  if (typeof inst === 'string') {
    emit(rec, 'Warning', 'Failed', `Error: ${inst}`, c.name);
    setStatus(rec, c, isInit, waiting(c, rec, 'CreateContainerConfigError', inst));
    rec.cancel.push(
      later(BACKOFF_START_MS, () => startContainer(ctx, rec, c, isInit, image, imageRef, imageName, onExit, onStarted)),
    );
    return;
  }
  instExit.set(inst, { isInit, onExit, image, imageRef, imageName });
  emit(rec, 'Normal', 'Created', `Created container: ${c.name}`, c.name);
  if (inst.startErrorMessage) return;
  emit(rec, 'Normal', 'Started', `Started container ${c.name}`, c.name);
  const probe = c.readinessProbe;
  const ready = probed && !rec.ephemeral.has(c.name) && (!probe || probeOk(ctx, rec, probe));
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
  if (probe && probed) {
    const period = (probe.periodSeconds ?? 10) * 1000;
    const check = () => {
      if (inst.state !== 'running' || rec.terminating) return;
      const ok = probeOk(ctx, rec, probe);
      const s = statusMap(rec, c.name, isInit).get(c.name);
      if (s && s.ready !== ok) {
        if (!ok) emit(rec, 'Warning', 'Unhealthy', `Readiness probe failed: ${probeFailure(rec, probe)}`, c.name);
        setStatus(rec, c, isInit, { ...s, ready: ok });
      }
      inst.cancel.push(later(period, check));
    };
    inst.cancel.push(later((probe.initialDelaySeconds ?? 0) * 1000 || period, check));
  }
  const live = c.livenessProbe;
  if (live && probed && !live.exec) {
    const period = (live.periodSeconds ?? 10) * 1000;
    let failures = 0;
    const check = () => {
      if (inst.state !== 'running' || rec.terminating) return;
      if (probeOk(ctx, rec, live)) failures = 0;
      else {
        failures++;
        emit(rec, 'Warning', 'Unhealthy', `Liveness probe failed: ${probeFailure(rec, live)}`, c.name);
        if (failures >= (live.failureThreshold ?? 3)) {
          emit(rec, 'Normal', 'Killing', `Container ${c.name} failed liveness probe, will be restarted`, c.name);
          exitContainer(ctx, rec, inst, 137, 'Error');
          return;
        }
      }
      inst.cancel.push(later(period, check));
    };
    inst.cancel.push(later((live.initialDelaySeconds ?? 0) * 1000 + period, check));
  }
  onStarted?.();
}

/** Creates a crashed container again after its back-off, with its last termination as `lastState`. */
export function restartContainer(
  ctx: KubeletContext,
  rec: PodRecord,
  c: Container,
  isInit: boolean,
  meta: { onExit?: (code: number) => void; image: Image; imageRef: string; imageName: string },
  restartCount: number,
  lastTerminated: NonNullable<ContainerStatus['state']>['terminated'],
) {
  const { emit, later, setStatus, waiting, instExit } = ctx;
  const inst = createInstance(ctx, rec, c, meta.image, meta.imageRef, meta.imageName, restartCount);
  if (typeof inst === 'string') {
    emit(rec, 'Warning', 'Failed', `Error: ${inst}`, c.name);
    setStatus(rec, c, isInit, { ...waiting(c, rec, 'CreateContainerConfigError', inst), restartCount });
    rec.cancel.push(
      later(BACKOFF_START_MS, () => restartContainer(ctx, rec, c, isInit, meta, restartCount, lastTerminated)),
    );
    return;
  }
  instExit.set(inst, { isInit, ...meta });
  emit(rec, 'Normal', 'Created', `Created container: ${c.name}`, c.name);
  if (inst.startErrorMessage) return;
  emit(rec, 'Normal', 'Started', `Started container ${c.name}`, c.name);
  const ready = (!isInit || isSidecar(c, isInit)) && (!c.readinessProbe || probeOk(ctx, rec, c.readinessProbe));
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
}

/**
 * Records that a container ended with `code`, and either leaves it terminated (calling its `onExit`)
 * or, as the restart policy says, restarts it after CrashLoopBackOff with a growing back-off.
 */
export function exitContainer(
  ctx: KubeletContext,
  rec: PodRecord,
  inst: ContainerInstance,
  code: number,
  reason: string,
  message?: string,
) {
  const { clock, emit, later, setStatus, instExit } = ctx;
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
    (isSidecar(c, isInit) || (policy === 'Always' ? !isInit || code !== 0 : policy === 'OnFailure' && code !== 0));
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
      restartContainer(ctx, rec, c, isInit, meta, inst.restartCount + 1, terminated);
    }),
  );
}

/** Kills a container whose image changed and starts it again with the new one. */
export function replaceContainer(ctx: KubeletContext, rec: PodRecord, inst: ContainerInstance, c: Container) {
  const { clock, emit, waiting, render } = ctx;
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
  pullAndStart(ctx, rec, c, false);
}

/** Whether a probe passes: something in the pod listens on its port (a probe without a port passes). */
export function probeOk(ctx: KubeletContext, rec: PodRecord, probe: NonNullable<Container['readinessProbe']>): boolean {
  const { state } = ctx;
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
  if (port === undefined) return true;
  const num = typeof port === 'number' ? port : /^\d+$/.test(port) ? Number(port) : namedPort(rec.pod, port);
  return num !== undefined && !!listenerInPod(state, rec.pod, num);
}

/** The failure text the kubelet shows for a probe whose port refuses connections. */
export function probeFailure(rec: PodRecord, probe: NonNullable<Container['readinessProbe']>) {
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
  return probe.httpGet
    ? `Get "http://${rec.podIP}:${port}${probe.httpGet.path ?? '/'}": dial tcp ${rec.podIP}:${port}: connect: connection refused`
    : `dial tcp ${rec.podIP}:${port}: connect: connection refused`;
}

function removeProcs(host: NodeHost, procs: Proc[]): void {
  const gone = new Set(procs.map((p) => p.pid));
  host.procs = host.procs.filter((p) => !gone.has(p.pid));
}

function namedPort(pod: Pod, name: string): number | undefined {
  for (const c of pod.spec?.containers ?? [])
    for (const p of c.ports ?? []) if (p.name === name) return p.containerPort;
  return undefined;
}
