/**
 * Linux's ptrace access check (`ptrace_may_access` with PTRACE_MODE_READ_FSCREDS), which
 * guards the /proc/PID files that expose another process's insides: `environ`, `mem`,
 * `maps`, `root`. It is checked on top of the file's permission bits: a process may read
 * them only for a process of its own uid, or with CAP_SYS_PTRACE. Root without
 * SYS_PTRACE is refused for another uid's process, even with CAP_DAC_OVERRIDE; that is
 * why a shared process namespace plus SYS_PTRACE hands a sidecar's secrets to its
 * neighbour, and why dropping either closes the hole (kernel/ptrace.c, fs/proc/base.c).
 *
 * Pure: the caller's credentials and the target's uid in, a verdict out.
 */

/** Who asks: the caller's filesystem uid and whether it holds CAP_SYS_PTRACE. */
export interface PtraceCaller {
  uid: number;
  sysPtrace?: boolean;
}

/** Whether `caller` may read the ptrace-guarded /proc files of a process running as `targetUid`. */
export function mayPtraceRead(caller: PtraceCaller, targetUid: number): boolean {
  return caller.uid === targetUid || caller.sysPtrace === true;
}
