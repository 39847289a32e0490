import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every runner's session folders live under a directory of this prefix, with its pid in it. */
export const WORK_DIR_PREFIX = 'paranoid-sessions-';
export const PID_FILE = 'runner.pid';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

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

/**
 * Removes what runners that died left under `root`: their session folders (kubeconfigs with
 * admin tokens in them) and any sandbox still running from one. A folder whose runner is
 * alive is left alone, so several runners can share a machine. A folder without a pid file
 * (an older runner's) is removed only once nothing uses it and a day has passed.
 */
export function removeLeftovers(root: string, now = Date.now()): string[] {
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
