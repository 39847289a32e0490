import type { Peer } from '../network-port.ts';
import type { ContainerInstance, NodeHost, Proc, RuntimeState, Security } from '../types.ts';
import type { FsCredentials, FsView } from '../vfs.ts';

/**
 * What a running shell is, as the kernel sees it: credentials, mount namespace
 * (view), UTS (hostname), network and PID namespaces, plus which userland
 * answers (busybox applets or GNU tools). `chroot` and `nsenter` make a new one.
 */
export interface Sys {
  state: RuntimeState;
  host: NodeHost;
  /** The container the exec entered (undefined for a process on the node itself). */
  container?: ContainerInstance;
  view: FsView;
  sec: Security;
  hostname: string;
  pidNs: string;
  /** Whom the network sees: the pod (its own net ns) or the node (host network). */
  net: Peer;
  /** The address of the network namespace: pod IP or node IP. */
  ip: string;
  userland: 'busybox' | 'gnu';
  /** The shell's own process (ps shows it). */
  self: Proc;
  /** Whether stdout is a terminal (redis-cli and ls format differently). */
  tty: boolean;
}

/** The file system credentials of a process's security context, for permission checks. */
export const credentials = (sec: Security): FsCredentials => ({
  uid: sec.uid,
  gid: sec.gid,
  groups: sec.groups,
  dacOverride: sec.effective.has('DAC_OVERRIDE'),
  sysPtrace: sec.effective.has('SYS_PTRACE'),
});

/** Thrown to stop an exec that went over a bound; the message is shown to the user. */
export class LimitExceeded extends Error {}

/** Thrown by `exit`. */
export class ExitSignal extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Bounds on what one exec may do. */
export interface Limits {
  /** Commands and loop iterations one exec may run. */
  maxSteps: number;
  /** Bytes of output one exec may write. */
  maxOutput: number;
  /** The longest a single `sleep` may wait, in ms. */
  maxSleepMs: number;
  /** Command substitution / subshell nesting. */
  maxDepth: number;
}

/** Bounds on one exec's steps, output, sleep and nesting, so a learner's script cannot hold the simulator. */
export const DEFAULT_LIMITS: Limits = { maxSteps: 20_000, maxOutput: 1 << 20, maxSleepMs: 60_000, maxDepth: 32 };
