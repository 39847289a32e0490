import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What one learner's sandbox may use in total, whatever it runs. */
export const SESSION_LIMITS = {
  /** All processes together; tmpfs pages count too, as the kernel charges them to the writer. */
  memoryBytes: 768 * 1024 ** 2,
  /** Processes and threads together (a fork bomb stops here; kubectl alone runs ~15 threads). */
  pids: 256,
  /** Half of one core: `cpu.max` 50000/100000. */
  cpuQuotaMicros: 50_000,
  cpuPeriodMicros: 100_000,
  /** Each writable tmpfs (/tmp, $HOME), and /dev/shm, has a fixed size, so the disk total is their sum. */
  tmpBytes: 128 * 1024 ** 2,
  homeBytes: 128 * 1024 ** 2,
  shmBytes: 16 * 1024 ** 2,
} as const;

/**
 * Without a cgroup, how often the runner measures each terminal's memory: what a process can
 * allocate in this time is how far past the cap a terminal may get before the watch kills.
 */
export const MEMORY_WATCH_INTERVAL_MS = 200;

/** The per-process limits that apply on top, with or without a cgroup. */
export const PROCESS_LIMITS = {
  /** Address space of one process: kubectl (Go) reserves much virtual memory, so this is generous. */
  addressSpaceBytes: 4 * 1024 ** 3,
  fileSizeBytes: 64 * 1024 ** 2,
  openFiles: 512,
  /**
   * RLIMIT_NPROC counts every task of the sandbox's uid. It binds only because that uid is
   * never root; with a cgroup the pids controller is the per-session cap and this is a
   * backstop for all sandboxes of one uid together.
   */
  nprocWithCgroup: 4096,
  nprocWithout: 512,
} as const;

/**
 * How session totals are enforced on this host:
 * - `cgroup2`: a cgroup per sandbox under a subtree delegated to the runner (memory, pids, cpu);
 * - `cgroup1`: the same on the legacy hierarchies, where the runner may write them (root);
 * - `rlimit`: neither is writable. Per-process rlimits, RLIMIT_NPROC on the sandbox uid and
 *   sized tmpfs still bind; total memory and CPU of one session do not (README says so).
 */
export type LimitsBackend =
  | { kind: 'cgroup2'; parent: string; cpu: boolean }
  | { kind: 'cgroup1'; parents: { memory: string; pids: string; cpu?: string } }
  | {
      kind: 'rlimit';
      reason: string;
      /**
       * The kernel's autogroups apply to the sandboxes: `kernel.sched_autogroup_enabled` is 1 and
       * the runner is in the root CPU group, so each terminal (a session of its own, which the
       * seccomp filter keeps it from leaving) is one scheduling group. A share, not a cap.
       */
      autogroup?: boolean;
    };

/**
 * What binds one learner's terminal on this host, in numbers: for `/api/health`, `paranoid
 * doctor` and the README's promises. `unbounded` names what no limit covers here.
 */
export interface LimitsSummary {
  backend: LimitsBackend['kind'];
  /** Why there is no cgroup per terminal (the `rlimit` backend only). */
  reason?: string;
  /** Caps on one terminal's processes together. */
  perSession: { memoryBytes?: number; pids?: number; cpuCores?: number; diskBytes: number };
  /**
   * Without a cgroup, the runner itself measures each terminal's memory this often and kills
   * past the cap (sandbox-memory-watch.ts); with one, the kernel does at every allocation.
   */
  memoryWatchMs?: number;
  /** Caps on each process, with or without a cgroup. */
  perProcess: { addressSpaceBytes: number; fileSizeBytes: number; openFiles: number };
  /** RLIMIT_NPROC: every task of the sandbox's uid, all terminals together. */
  allTerminalsProcesses: number;
  unbounded: string[];
}

/** The bounds each backend gives (README.md, "The terminal sandbox": what binds where). */
export function summarizeLimits(backend: LimitsBackend): LimitsSummary {
  const diskBytes = SESSION_LIMITS.tmpBytes + SESSION_LIMITS.homeBytes + SESSION_LIMITS.shmBytes;
  const perProcess = {
    addressSpaceBytes: PROCESS_LIMITS.addressSpaceBytes,
    fileSizeBytes: PROCESS_LIMITS.fileSizeBytes,
    openFiles: PROCESS_LIMITS.openFiles,
  };
  if (backend.kind === 'rlimit') {
    return {
      backend: backend.kind,
      reason: backend.reason,
      perSession: { memoryBytes: SESSION_LIMITS.memoryBytes, diskBytes },
      memoryWatchMs: MEMORY_WATCH_INTERVAL_MS,
      perProcess,
      allTerminalsProcesses: PROCESS_LIMITS.nprocWithout,
      unbounded: [
        backend.autogroup
          ? "one terminal's CPU (not capped: it is one scheduling group, an autogroup, weighing as much as the runner's, however many processes it runs)"
          : "one terminal's CPU",
      ],
    };
  }
  const hasCpu = backend.kind === 'cgroup2' ? backend.cpu : backend.parents.cpu !== undefined;
  return {
    backend: backend.kind,
    perSession: {
      memoryBytes: SESSION_LIMITS.memoryBytes,
      pids: SESSION_LIMITS.pids,
      ...(hasCpu ? { cpuCores: SESSION_LIMITS.cpuQuotaMicros / SESSION_LIMITS.cpuPeriodMicros } : {}),
      diskBytes,
    },
    perProcess,
    allTerminalsProcesses: PROCESS_LIMITS.nprocWithCgroup,
    unbounded: hasCpu ? [] : ["one terminal's CPU (the cgroup has no cpu controller here)"],
  };
}

/** The summary in one line, as doctor and the runner's start print it. */
export function describeLimits(summary: LimitsSummary): string {
  const mib = (bytes: number) => `${Math.round(bytes / 1024 ** 2)} MiB`;
  const { perSession: s, perProcess: p } = summary;
  const session = [
    s.memoryBytes
      ? `memory ${mib(s.memoryBytes)}${summary.memoryWatchMs ? ` (measured by the runner every ${summary.memoryWatchMs} ms)` : ''}`
      : '',
    s.pids ? `${s.pids} processes` : '',
    s.cpuCores ? `${s.cpuCores} CPU` : '',
    `disk ${mib(s.diskBytes)} (tmpfs)`,
  ].filter(Boolean);
  const text = [
    `per terminal: ${session.join(', ')}`,
    `per process: address space ${mib(p.addressSpaceBytes)}, files ${mib(p.fileSizeBytes)}, ${p.openFiles} open files`,
    `all terminals: ${summary.allTerminalsProcesses} processes`,
  ];
  if (summary.unbounded.length > 0) text.push(`not bounded: ${summary.unbounded.join('; ')}`);
  return text.join('; ');
}

interface Mount {
  point: string;
  fstype: string;
  options: string[];
  root: string;
}

/** Mount points of cgroup filesystems, from /proc/self/mountinfo. */
export function parseCgroupMounts(mountinfo: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [fstype, , superOptions] = right.split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    mounts.push({ point: fields[4]!, root: fields[3]!, fstype, options: (superOptions ?? '').split(',') });
  }
  return mounts;
}

/** `/proc/self/cgroup`: controller (or '' for v2) → path. */
export function parseProcCgroup(text: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    for (const controller of match[1]!.split(',')) paths.set(controller, match[2]!);
  }
  return paths;
}

/** The runner's own cgroup directory for one hierarchy, relative to its mount's root. */
function ownDir(mount: Mount, path: string): string {
  const relative = mount.root !== '/' && path.startsWith(mount.root) ? path.slice(mount.root.length) : path;
  return join(mount.point, relative);
}

function tryMkdir(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Finds where this runner may make a cgroup per sandbox, under its own cgroup so the host's
 * limits on the runner still hold. `runnerId` keeps two runners on one host apart.
 */
export function detectLimitsBackend(runnerId: string, fs: CgroupFs = nodeCgroupFs): LimitsBackend {
  const read = (path: string) => fs.read(path);
  let mounts: Mount[];
  let own: Map<string, string>;
  try {
    mounts = parseCgroupMounts(read('/proc/self/mountinfo'));
    own = parseProcCgroup(read('/proc/self/cgroup'));
  } catch (error) {
    return { kind: 'rlimit', reason: `failed to read cgroups: ${error instanceof Error ? error.message : error}` };
  }
  const problems: string[] = [];
  const v2 = mounts.find((m) => m.fstype === 'cgroup2');
  if (v2 && own.has('')) {
    const dir = ownDir(v2, own.get('')!);
    const controllers = fs.exists(join(dir, 'cgroup.controllers'))
      ? read(join(dir, 'cgroup.controllers')).trim().split(/\s+/)
      : [];
    if (controllers.includes('memory') && controllers.includes('pids')) {
      const wanted = ['memory', 'pids', ...(controllers.includes('cpu') ? ['cpu'] : [])];
      const result = delegateV2(dir, runnerId, wanted, fs);
      if (typeof result === 'string') problems.push(result);
      else return result;
    } else {
      problems.push(`cgroup v2 at ${dir} does not delegate the memory and pids controllers`);
    }
  }
  const v1 = (controller: string) => mounts.find((m) => m.fstype === 'cgroup' && m.options.includes(controller));
  const memory = v1('memory');
  const pids = v1('pids');
  if (memory && pids && own.has('memory') && own.has('pids')) {
    const cpu = v1('cpu');
    const parents = {
      memory: join(ownDir(memory, own.get('memory')!), `paranoid-${runnerId}`),
      pids: join(ownDir(pids, own.get('pids')!), `paranoid-${runnerId}`),
      ...(cpu && own.has('cpu') ? { cpu: join(ownDir(cpu, own.get('cpu')!), `paranoid-${runnerId}`) } : {}),
    };
    const failed = Object.values(parents)
      .map((d) => tryMkdir(d))
      .find((e) => e !== null);
    if (!failed) return { kind: 'cgroup1', parents };
    for (const d of Object.values(parents)) void removeDir(d);
    problems.push(`cgroup v1 is not writable here (${failed})`);
  }
  if (problems.length === 0) problems.push('no cgroup hierarchy with the memory and pids controllers');
  return { kind: 'rlimit', reason: problems.join('; '), autogroup: autogroupApplies(mounts, own, read) };
}

/**
 * Whether the kernel's autogroups order the sandboxes' CPU: they are on, and the runner (so each
 * sandbox) is in the root CPU group, the only one where the kernel uses them. A runner in a CPU
 * cgroup of its own (a systemd service with CPU settings, most containers) gets false.
 */
function autogroupApplies(mounts: Mount[], own: Map<string, string>, read: (path: string) => string): boolean {
  try {
    if (read('/proc/sys/kernel/sched_autogroup_enabled').trim() !== '1') return false;
  } catch {
    return false;
  }
  const cpuV1 = mounts.find((m) => m.fstype === 'cgroup' && m.options.includes('cpu'));
  if (cpuV1 && own.has('cpu')) return own.get('cpu') === '/' && cpuV1.root === '/';
  return own.get('') === '/';
}

/**
 * The few cgroupfs operations the v2 delegation and a v2 sandbox's cgroup need: the kernel's
 * files by default, a model of its rules in tests (this host's v2 hierarchy has none of the
 * memory, pids and cpu controllers, so no real test can write them here).
 */
export interface CgroupFs {
  read(path: string): string;
  write(path: string, data: string): void;
  /** Makes a cgroup; `exclusive` fails if it exists already (a sandbox's, whose name is new). */
  mkdir(path: string, exclusive?: boolean): void;
  exists(path: string): boolean;
}

/** The kernel's cgroupfs. */
export const nodeCgroupFs: CgroupFs = {
  read: (path) => readFileSync(path, 'utf8'),
  write: (path, data) => writeFileSync(path, data),
  mkdir: (path, exclusive) => mkdirSync(path, { recursive: !exclusive }),
  exists: existsSync,
};

/**
 * Delegates the controllers in `dir` (the runner's own v2 cgroup) to a subtree for sandboxes.
 * cgroup v2 forbids processes in a cgroup whose children have controllers ("no internal
 * processes"), so every process of the runner's cgroup first moves into a leaf beside the
 * sandboxes, as kind's node entrypoint and `systemd-run --scope` arrange it: the runner and
 * whatever started it in the same cgroup (npm, a container's init). Processes that start
 * while they move are moved on the next pass. Returns the backend, or why it failed.
 */
export function delegateV2(
  dir: string,
  runnerId: string,
  controllers: string[],
  fs: CgroupFs = nodeCgroupFs,
  self: number = process.pid,
): LimitsBackend | string {
  const enable = controllers.map((c) => `+${c}`).join(' ');
  try {
    const leaf = join(dir, `paranoid-runner-${runnerId}`);
    fs.mkdir(leaf);
    fs.write(join(leaf, 'cgroup.procs'), String(self));
    for (let pass = 0; ; pass++) {
      for (const pid of fs.read(join(dir, 'cgroup.procs')).split('\n').filter(Boolean)) {
        try {
          fs.write(join(leaf, 'cgroup.procs'), pid);
        } catch {
          // Gone meanwhile, or a kernel thread of the root cgroup (which needs no moving).
        }
      }
      try {
        fs.write(join(dir, 'cgroup.subtree_control'), enable);
        break;
      } catch (error) {
        if (pass >= 3) throw error;
      }
    }
    const parent = join(dir, `paranoid-${runnerId}`);
    fs.mkdir(parent);
    fs.write(join(parent, 'cgroup.subtree_control'), enable);
    return { kind: 'cgroup2', parent, cpu: controllers.includes('cpu') };
  } catch (error) {
    return `cgroup v2 at ${dir} is not delegated to this user (${error instanceof Error ? error.message : error})`;
  }
}

/** One sandbox's cgroup: the files its first process writes its pid to, and how to remove it. */
export interface SessionCgroup {
  /** `cgroup.procs` files the launcher joins before it starts the sandbox. */
  procsFiles: string[];
  /** Kills what is left in it and removes it (idempotent). */
  remove(): Promise<void>;
}

/** Makes the cgroup for one sandbox with {@link SESSION_LIMITS}; null for the `rlimit` backend. */
export function createSessionCgroup(
  backend: LimitsBackend,
  name: string,
  limits = SESSION_LIMITS,
  fs: CgroupFs = nodeCgroupFs,
): SessionCgroup | null {
  if (backend.kind === 'rlimit') return null;
  if (backend.kind === 'cgroup2') {
    const dir = join(backend.parent, name);
    fs.mkdir(dir, true);
    fs.write(join(dir, 'memory.max'), String(limits.memoryBytes));
    // Without swap accounting there is no memory.swap.max, and nothing to swap to past memory.max.
    if (fs.exists(join(dir, 'memory.swap.max'))) fs.write(join(dir, 'memory.swap.max'), '0');
    fs.write(join(dir, 'pids.max'), String(limits.pids));
    // Delegated cpu means cpu.max exists: a failure to write it is an error, not a silent no-cap.
    if (backend.cpu) fs.write(join(dir, 'cpu.max'), `${limits.cpuQuotaMicros} ${limits.cpuPeriodMicros}`);
    return {
      procsFiles: [join(dir, 'cgroup.procs')],
      remove: async () => {
        try {
          if (fs.exists(join(dir, 'cgroup.kill'))) fs.write(join(dir, 'cgroup.kill'), '1');
        } catch {}
        killAll(dir);
        await removeDir(dir);
      },
    };
  }
  const dirs = Object.entries(backend.parents).map(([controller, parent]) => ({ controller, dir: join(parent, name) }));
  for (const { dir } of dirs) mkdirSync(dir);
  for (const { controller, dir } of dirs) {
    if (controller === 'memory') {
      writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      // With swap accounting, memsw must be capped too or the bomb goes to swap.
      if (existsSync(join(dir, 'memory.memsw.limit_in_bytes')))
        writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
    } else if (controller === 'pids') {
      writeFileSync(join(dir, 'pids.max'), String(limits.pids));
    } else if (controller === 'cpu') {
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(limits.cpuPeriodMicros));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(limits.cpuQuotaMicros));
    }
  }
  return {
    procsFiles: dirs.map((d) => join(d.dir, 'cgroup.procs')),
    remove: async () => {
      for (const { dir } of dirs) killAll(dir);
      for (const { dir } of dirs) await removeDir(dir);
    },
  };
}

/** Kills every process in one cgroup (not its children's): a sandbox must not outlive its session. */
export function killAll(dir: string): void {
  try {
    for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {}
    }
  } catch {}
}

/** rmdir fails while the last killed processes are still exiting: try for a second, then leave it. */
export async function removeDir(dir: string, tries = 50): Promise<void> {
  for (let i = 0; i < tries; i++) {
    try {
      if (!existsSync(dir)) return;
      for (const child of readdirSync(dir, { withFileTypes: true }))
        if (child.isDirectory()) await removeDir(join(dir, child.name));
      rmdirSync(dir);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Removes this runner's parent cgroups at shutdown. */
export async function removeBackend(backend: LimitsBackend): Promise<void> {
  if (backend.kind === 'cgroup2') await removeDir(backend.parent);
  if (backend.kind === 'cgroup1') for (const dir of Object.values(backend.parents)) await removeDir(dir);
}

/**
 * The launcher that puts the sandbox's first process into its cgroup before anything runs:
 * `sh -c` writes its own pid, then execs the rest, so nothing forks outside the cap.
 */
export function joinCgroupCommand(procsFiles: string[], command: string[]): string[] {
  if (procsFiles.length === 0) return command;
  return [
    '/bin/sh',
    '-c',
    'p=$$; while [ "$1" != -- ]; do echo "$p" > "$1" || exit 125; shift; done; shift; exec "$@"',
    'paranoid-sandbox',
    ...procsFiles,
    '--',
    ...command,
  ];
}
