/**
 * The system calls a runtime-security agent sees (Falco's driver): execve, openat and
 * connect, emitted where a simulated process really makes them (the shell starting a
 * program, a command opening a file, a client dialling) and delivered to the listeners on
 * that process's node, as a kernel module or eBPF probe only sees its own node.
 * Nothing is built when no one listens, so clusters without an agent pay nothing.
 */
import type { ProcessInfo, SyscallEvent } from '../falco/event.ts';
import { parsePasswd } from './security.ts';
import type { Sys } from './shell/context.ts';
import type { ContainerInstance, NodeHost, Proc, RuntimeState } from './types.ts';
import { basename } from './vfs.ts';

/** Receives each syscall a simulated process makes, as Falco's probe would. */
export type SyscallListener = (ev: SyscallEvent) => void;

const listeners = new WeakMap<RuntimeState, Map<string, Set<SyscallListener>>>();

/** Subscribes to the system calls of processes on `node`; returns the unsubscribe. */
export function onSyscalls(state: RuntimeState, node: string, listener: SyscallListener): () => void {
  let byNode = listeners.get(state);
  if (!byNode) {
    byNode = new Map();
    listeners.set(state, byNode);
  }
  let set = byNode.get(node);
  if (!set) {
    set = new Set();
    byNode.set(node, set);
  }
  set.add(listener);
  return () => set.delete(listener);
}

/**
 * Whether anything watches the system calls on `node`: callers that must build a context
 * just to report a call (a container's entrypoint) ask first, so unwatched nodes pay nothing.
 */
export const listening = (state: RuntimeState, node: string): boolean =>
  (listeners.get(state)?.get(node)?.size ?? 0) > 0;

/** pts/0 as the kernel numbers it (major 136): what `kubectl exec -t` gives a process. */
const PTS0 = 136 << 8;
/** How far up the process tree an event carries ancestors (Falco's proc.aname goes to about this). */
const MAX_ANCESTORS = 8;

/** The 12-hex-digit id Falco prints for a container, from the runtime's id. */
export function shortContainerId(inst: ContainerInstance): string {
  const hex = inst.id.replace(/^[a-z]+:\/\//, '').replace(/[^0-9a-f]/g, '');
  return hex.slice(0, 12).padEnd(12, '0');
}

function containerInfo(inst: ContainerInstance): SyscallEvent['container'] {
  const ref = inst.imageName;
  const at = ref.indexOf('@');
  const colon = ref.lastIndexOf(':');
  const slash = ref.lastIndexOf('/');
  const tagged = at < 0 && colon > slash;
  return {
    id: shortContainerId(inst),
    name: inst.name,
    image: ref,
    repository: at >= 0 ? ref.slice(0, at) : tagged ? ref.slice(0, colon) : ref,
    tag: tagged ? ref.slice(colon + 1) : '',
    namespace: inst.namespace,
    podName: inst.podName,
    podUid: inst.podUid,
  };
}

function info(proc: Proc, host: NodeHost, sys?: Sys): ProcessInfo {
  const exe = proc.argv[0] ?? '';
  const exepath = proc.exePath ?? (exe.startsWith('/') ? exe : exe);
  const inst = proc.container;
  const passwd = inst?.rootFs.stat('/etc/passwd')?.content ?? host.fs.stat('/etc/passwd')?.content ?? '';
  const user = parsePasswd(passwd).find((u) => u.uid === proc.uid)?.name;
  // The kernel's comm: the executable file's name (a script's own name), cut at 15 characters.
  const name = basename(proc.exePath ?? exe.split(' ')[0] ?? '').slice(0, 15);
  return {
    pid: proc.pid,
    vpid: proc.nsPid,
    name,
    exe,
    exepath,
    args: proc.argv.slice(1),
    uid: proc.uid,
    userName: user,
    tty: proc.tty ?? (sys?.self === proc && sys.tty ? PTS0 : 0),
    cwd: proc.cwd ?? '/',
    exeUpperLayer: proc.exeUpperLayer ?? false,
  };
}

function ancestors(proc: Proc, host: NodeHost): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  let cur = proc;
  for (let i = 0; i < MAX_ANCESTORS; i++) {
    const parent = host.procs.find((p) => p.pid === cur.ppid);
    if (!parent || parent === cur) break;
    out.push(info(parent, host));
    cur = parent;
  }
  return out;
}

function deliver(state: RuntimeState, node: string, ev: SyscallEvent): void {
  for (const l of listeners.get(state)?.get(node) ?? []) l(ev);
}

/** Event sequence numbers per cluster. */
const counters = new WeakMap<RuntimeState, { n: number }>();

function base(sys: Sys, proc: Proc, type: SyscallEvent['type'], res: number): SyscallEvent {
  let counter = counters.get(sys.state);
  if (!counter) {
    counter = { n: 0 };
    counters.set(sys.state, counter);
  }
  return {
    type,
    num: ++counter.n,
    time: sys.state.deps.clock.now(),
    res,
    node: sys.host.name,
    proc: info(proc, sys.host, sys),
    ancestors: ancestors(proc, sys.host),
    container: proc.container ? containerInfo(proc.container) : undefined,
  };
}

/**
 * Whether the file at `path` was written into the container after it started (the overlay's
 * upper layer): it lives in the container's own root file system and the image did not ship it.
 */
export function writtenAfterStart(sys: Sys, path: string): boolean {
  const inst = sys.container;
  if (!inst) return false;
  const loc = sys.view.locate(sys.view.resolve(path));
  if (!loc || loc.mount.fs !== inst.rootFs) return false;
  const image = inst.image;
  const binDir = image.binDir ?? (image.userland === 'gnu' ? '/usr/bin' : '/bin');
  if (image.binaries.some((b) => `${binDir}/${b}` === loc.inner)) return false;
  if (loc.inner in image.files) return false;
  const entry = image.config.entrypoint[0];
  return !(entry !== undefined && entry === loc.inner);
}

/** A process has started a program (execve returned in the new image). */
export function emitExecve(sys: Sys, proc: Proc): void {
  if (!listening(sys.state, sys.host.name)) return;
  deliver(sys.state, sys.host.name, base(sys, proc, 'execve', 0));
}

/** openat(2) of a file, for reading or writing; `error` is the errno it failed with. */
export function emitOpen(
  sys: Sys,
  proc: Proc,
  path: string,
  mode: { read?: boolean; write?: boolean },
  error?: 'ENOENT' | 'EACCES' | 'EROFS' | 'ENOTDIR' | 'EISDIR' | 'EEXIST' | 'ENOTEMPTY',
): void {
  if (!listening(sys.state, sys.host.name)) return;
  const errno = { ENOENT: -2, EACCES: -13, EROFS: -30, ENOTDIR: -20, EISDIR: -21, EEXIST: -17, ENOTEMPTY: -39 };
  const res = error ? errno[error] : 3;
  const ev = base(sys, proc, 'openat', error ? res : 0);
  ev.fd = { num: error ? -1 : 3, typechar: 'f', name: path, openRead: !!mode.read, openWrite: !!mode.write };
  deliver(sys.state, sys.host.name, ev);
}

/** connect(2) of a TCP socket to `ip:port`; `error` when it was refused, timed out or unreachable. */
export function emitConnect(
  sys: Sys,
  proc: Proc,
  ip: string,
  port: number,
  error?: 'refused' | 'timeout' | 'unreachable' | 'nxdomain',
): void {
  if (!listening(sys.state, sys.host.name) || error === 'nxdomain') return;
  const res = error === 'refused' ? -111 : error === 'timeout' ? -110 : error === 'unreachable' ? -113 : 0;
  const ev = base(sys, proc, 'connect', res);
  // An ephemeral port from the Linux default range, stable per process.
  const cport = 32768 + (proc.pid % 28000);
  ev.fd = {
    num: 3,
    typechar: '4',
    name: `${sys.ip}:${cport}->${ip}:${port}`,
    clientIp: sys.ip,
    clientPort: cport,
    serverIp: ip,
    serverPort: port,
    l4proto: 'tcp',
  };
  deliver(sys.state, sys.host.name, ev);
}
