import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { killAll, type LimitsBackend, removeDir } from './sandbox-limits.ts';

/** Every runner's session folders live under a directory of this prefix, with its pid in it. */
export const WORK_DIR_PREFIX = 'paranoid-sessions-';
/** The file in the data dir that records the running runner's pid, so a later start can clean after a crash. */
export const PID_FILE = 'runner.pid';

/** The places a runner leaves traces in: its session folders' root, and its cgroups' backend. */
export interface LeftoverPlaces {
  /** Where runners make their session folders (`os.tmpdir()`). */
  sessionsRoot?: string;
  /** The cgroups this machine gives sandboxes; a dead runner's are `paranoid-<pid>` beside ours. */
  limits?: LimitsBackend;
}

/** True while a process with this pid exists (signal 0 only checks): the one test of a runner's death. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what runners that died left behind, and only theirs: their session folders (kubeconfigs
 * with admin tokens in them) with any sandbox still running from one, and their cgroups with every
 * process still in them, since a learner's processes must not outlive their runner. A runner is
 * dead when its pid (in its folder's pid file, or its cgroup's name) is gone, so several runners
 * can share a machine. A folder without a pid file (an older runner's) is removed only once
 * nothing uses it and a day has passed. Returns what it removed.
 */
export async function removeLeftovers(places: LeftoverPlaces, now = Date.now()): Promise<string[]> {
  return [
    ...(places.sessionsRoot ? removeSessionFolders(places.sessionsRoot, now) : []),
    ...(places.limits ? await removeCgroups(places.limits) : []),
  ];
}

/** Processes whose command line names `dir`: the sandboxes (bwrap and the shells in it) of a session there. */
function processesUsing(dir: string): number[] {
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) found.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

function removeSessionFolders(root: string, now: number): string[] {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(root).filter((e) => e.startsWith(WORK_DIR_PREFIX));
  } catch {
    return removed;
  }
  for (const entry of entries) {
    const dir = join(root, entry);
    let pid: number | null = null;
    try {
      pid = Number(readFileSync(join(dir, PID_FILE), 'utf8').trim()) || null;
    } catch {
      pid = null;
    }
    if (pid !== null && alive(pid)) continue;
    const users = processesUsing(dir);
    if (pid === null) {
      let age = 0;
      try {
        age = now - statSync(dir).mtimeMs;
      } catch {
        continue;
      }
      if (users.length > 0 || age < 24 * 60 * 60_000) continue;
    }
    for (const user of users) {
      try {
        process.kill(user, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/** A dead runner's cgroups beside ours (`paranoid-<pid>`), emptied of their processes and removed. */
async function removeCgroups(limits: LimitsBackend): Promise<string[]> {
  const parents =
    limits.kind === 'cgroup2' ? [limits.parent] : limits.kind === 'cgroup1' ? Object.values(limits.parents) : [];
  const removed: string[] = [];
  for (const parent of parents) {
    const dir = join(parent, '..');
    for (const entry of readdirSync(dir)) {
      const match = /^paranoid-(runner-)?(\d+)$/.exec(entry);
      if (!match || alive(Number(match[2]))) continue;
      const path = join(dir, entry);
      if (match[1]) {
        // A dead runner's own leaf may still hold what started it (a shell, npm): never killed,
        // only removed once empty.
        await removeDir(path, 1);
        if (!existsSync(path)) removed.push(path);
        continue;
      }
      const stack = [path];
      for (let i = 0; i < stack.length; i++) {
        killAll(stack[i]!);
        for (const child of readdirSync(stack[i]!, { withFileTypes: true }))
          if (child.isDirectory()) stack.push(join(stack[i]!, child.name));
      }
      await removeDir(path);
      if (!existsSync(path)) removed.push(path);
    }
  }
  return removed;
}
