/**
 * A system call as Falco's driver reports it: the exit event of execve, openat or
 * connect, with the thread's process, its ancestors, its container and, for openat and
 * connect, the file descriptor. The runtime emits one where the simulated process really
 * does the call (`runtime/syscalls.ts`); Falco's fields are read from it (`fields.ts`).
 */
export interface ProcessInfo {
  /** PID on the host. */
  pid: number;
  /** PID in its own PID namespace (1 for a container's entrypoint). */
  vpid: number;
  /** The kernel's `comm`: the executable's base name, at most 15 characters. */
  name: string;
  /** argv[0] as the process was started. */
  exe: string;
  /** The full path of the executable file. */
  exepath: string;
  /** argv[1..]. */
  args: string[];
  uid: number;
  /** The name /etc/passwd of the process's root gives the uid, if any. */
  userName?: string;
  /** Controlling terminal device number, 0 when there is none. */
  tty: number;
  cwd: string;
  /** The executable was written after the container started (overlayfs upper layer), not shipped in the image. */
  exeUpperLayer: boolean;
}

/** The container a syscall came from, with the Kubernetes fields Falco's `k8s.*` and `container.*` read. */
export interface ContainerInfo {
  /** The runtime's id, first 12 hex digits (what Falco prints). */
  id: string;
  name: string;
  /** The image reference as the pod wrote it, normalised. */
  image: string;
  repository: string;
  tag: string;
  namespace: string;
  podName: string;
  podUid: string;
}

/** An open file descriptor of a syscall event, as Falco's `fd.*` fields read it. */
export interface FdInfo {
  num: number;
  /** `f` file, `4` IPv4 socket. */
  typechar: 'f' | '4';
  /** A file's path, or `client:port->server:port` for a socket. */
  name: string;
  openRead?: boolean;
  openWrite?: boolean;
  clientIp?: string;
  clientPort?: number;
  serverIp?: string;
  serverPort?: number;
  l4proto?: 'tcp' | 'udp';
}

/** One syscall of a simulated process (execve, openat, connect) that Falco rules are matched against. */
export interface SyscallEvent {
  type: 'execve' | 'openat' | 'connect';
  /** The event's sequence number on its node, from 1. */
  num: number;
  /** Milliseconds since the epoch. */
  time: number;
  /** 0 on success, else a negative errno. */
  res: number;
  node: string;
  proc: ProcessInfo;
  /** Parent first, then its parent, and so on (as far as the PID namespace lets a process see). */
  ancestors: ProcessInfo[];
  /** Undefined for a process on the node itself. */
  container?: ContainerInfo;
  fd?: FdInfo;
}

/** errno names Falco prints in `evt.res`. */
export const ERRNO: Record<number, string> = {
  [-1]: 'EPERM',
  [-2]: 'ENOENT',
  [-13]: 'EACCES',
  [-21]: 'EISDIR',
  [-20]: 'ENOTDIR',
  [-30]: 'EROFS',
  [-111]: 'ECONNREFUSED',
  [-110]: 'ETIMEDOUT',
  [-113]: 'EHOSTUNREACH',
};
