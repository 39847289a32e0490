import { readdirSync, readFileSync } from 'node:fs';

/** One process of a sandbox as the watch sees it: its memory is what only it holds in RAM. */
export interface SandboxProcess {
  pid: number;
  comm: string;
  /** Anonymous and shared-memory resident pages (RssAnon + RssShmem): what freeing it gives back. */
  memoryBytes: number;
}

/** What the watch killed in one sandbox, and the total that made it. */
export interface MemoryKill {
  victims: SandboxProcess[];
  totalBytes: number;
  limitBytes: number;
}

/**
 * The processes to kill so that a sandbox's processes hold at most `limitBytes` together:
 * the largest first, as the kernel's OOM killer picks inside a cgroup at its memory.max,
 * and only as many as it takes. None while under the limit.
 */
export function victimsOverLimit(processes: SandboxProcess[], limitBytes: number): MemoryKill | null {
  const totalBytes = processes.reduce((sum, p) => sum + p.memoryBytes, 0);
  if (totalBytes <= limitBytes) return null;
  const victims: SandboxProcess[] = [];
  let left = totalBytes;
  for (const candidate of [...processes].sort((a, b) => b.memoryBytes - a.memoryBytes)) {
    if (left <= limitBytes) break;
    victims.push(candidate);
    left -= candidate.memoryBytes;
  }
  return { victims, totalBytes, limitBytes };
}

/** `RssAnon` and `RssShmem` of a `/proc/<pid>/status`, in bytes, and its `Name`. */
export function parseStatusMemory(status: string): { comm: string; memoryBytes: number } {
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return {
    comm: /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '',
    memoryBytes: (kib('RssAnon') + kib('RssShmem')) * 1024,
  };
}

const readOrEmpty = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

/**
 * A sandbox's processes, from its first process down, through each thread's `children` in
 * /proc. The sandbox has its own PID namespace, so an orphan is adopted inside it, by a
 * process of this tree: a double fork does not leave it.
 */
export function readProcessTree(rootPid: number, proc = '/proc'): SandboxProcess[] {
  const out: SandboxProcess[] = [];
  const seen = new Set<number>();
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const status = readOrEmpty(`${proc}/${pid}/status`);
    if (!status) continue; // gone meanwhile
    out.push({ pid, ...parseStatusMemory(status) });
    let threads: string[] = [];
    try {
      threads = readdirSync(`${proc}/${pid}/task`);
    } catch {}
    for (const tid of threads)
      for (const child of readOrEmpty(`${proc}/${pid}/task/${tid}/children`).split(' '))
        if (/^\d+$/.test(child)) queue.push(Number(child));
  }
  return out;
}

/** One sandbox the watch follows. */
export interface WatchedSandbox {
  /** Its first process (the terminal's), or undefined until it has started. */
  pid(): number | undefined;
  /** Told after the watch killed processes of this sandbox. */
  onKill(kill: MemoryKill): void;
}

/** The cap the watch holds each sandbox to, how often it looks, and (for tests) how it reads and kills. */
export interface MemoryWatchOptions {
  limitBytes: number;
  /** How often every sandbox is measured; what may be allocated over the limit is what one period allows. */
  intervalMs: number;
  readTree?: (rootPid: number) => SandboxProcess[];
  kill?: (pid: number) => void;
}

/** The runner's one memory watch over its sandboxes; see {@link startMemoryWatch}. */
export interface MemoryWatch {
  /** Follows one sandbox until the function it returns is called. */
  add(sandbox: WatchedSandbox): () => void;
  /** One pass over every sandbox now (the timer calls it too). */
  check(): void;
  close(): void;
}

/**
 * The per-terminal memory cap where no cgroup can be made (an ordinary user on a host
 * without delegation): every `intervalMs` each sandbox's processes are measured together,
 * and past the limit the largest are killed, as a cgroup's OOM killer would. It binds to
 * within what a process can allocate in one period; the per-process address-space rlimit
 * bounds that.
 */
export function startMemoryWatch(options: MemoryWatchOptions): MemoryWatch {
  const readTree = options.readTree ?? readProcessTree;
  const kill =
    options.kill ??
    ((pid: number) => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    });
  const watched = new Set<WatchedSandbox>();
  const check = () => {
    for (const sandbox of watched) {
      const root = sandbox.pid();
      if (root === undefined) continue;
      const over = victimsOverLimit(readTree(root), options.limitBytes);
      if (!over) continue;
      for (const victim of over.victims) kill(victim.pid);
      sandbox.onKill(over);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    add(sandbox) {
      watched.add(sandbox);
      if (!timer) {
        timer = setInterval(check, options.intervalMs);
        timer.unref();
      }
      return () => {
        watched.delete(sandbox);
        if (watched.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    check,
    close() {
      watched.clear();
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

/** What a terminal shows when the watch killed in it, in the kernel's words where they fit. */
export function describeMemoryKill(kill: MemoryKill): string {
  const mib = (bytes: number) => `${Math.round(bytes / 1024 ** 2)} MiB`;
  const killed = kill.victims.map((v) => `Killed process ${v.pid} (${v.comm}) anon-rss:${mib(v.memoryBytes)}`);
  return `Out of memory: ${killed.join('; ')}.\nThis terminal's processes held ${mib(kill.totalBytes)} together; they may hold ${mib(kill.limitBytes)}.`;
}
