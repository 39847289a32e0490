import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PID_FILE, removeLeftovers, WORK_DIR_PREFIX } from './leftovers.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'paranoid-leftovers-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function workDir(name: string, pid: number | null): string {
  const dir = join(root, `${WORK_DIR_PREFIX}${name}`);
  mkdirSync(join(dir, 'session-x'), { recursive: true });
  writeFileSync(join(dir, 'session-x', 'kubeconfig'), 'token: admin');
  if (pid !== null) writeFileSync(join(dir, PID_FILE), `${pid}\n`);
  return dir;
}

/** A pid no process has any more. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('removing what a crashed runner left', () => {
  it('removes a dead runner’s folders and kills the sandboxes still running from them', async () => {
    const dead = workDir('dead', deadPid());
    // Stands for a sandbox: its command line names the session folder, as bwrap's does.
    const sandbox = spawn(process.execPath, [
      '-e',
      'setInterval(() => {}, 1000)',
      join(dead, 'session-x', 'kubeconfig'),
    ]);
    const exited = new Promise((resolve) => sandbox.once('exit', (_code, signal) => resolve(signal)));
    await new Promise((r) => setTimeout(r, 100));
    expect(await removeLeftovers({ sessionsRoot: root })).toEqual([dead]);
    expect(existsSync(dead)).toBe(false);
    expect(await exited).toBe('SIGKILL');
  });

  it('leaves a live runner’s folders alone', async () => {
    const live = workDir('live', process.pid);
    expect(await removeLeftovers({ sessionsRoot: root })).toEqual([]);
    expect(existsSync(live)).toBe(true);
  });

  it('removes a folder without a pid file only when it is a day old', async () => {
    const fresh = workDir('fresh', null);
    const old = workDir('old', null);
    const dayAgo = (Date.now() - 25 * 60 * 60_000) / 1000;
    utimesSync(old, dayAgo, dayAgo);
    expect(await removeLeftovers({ sessionsRoot: root })).toEqual([old]);
    expect(existsSync(fresh)).toBe(true);
  });

  it('kills what still runs in a dead runner’s cgroups, and leaves a live runner’s running', async () => {
    // A cgroup v2 tree as the limits backend sees it: ours, a dead runner's and a live one's, side by side.
    const cgroups = join(root, 'cgroups');
    const ours = join(cgroups, `paranoid-${process.pid}`);
    const dead = join(cgroups, `paranoid-${deadPid()}`);
    const live = join(cgroups, `paranoid-runner-${process.ppid}`);
    const sleeper = () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const orphan = sleeper();
    const neighbour = sleeper();
    const exited = new Promise((resolve) => orphan.once('exit', (_code, signal) => resolve(signal)));
    for (const [dir, pid] of [
      [dead, orphan.pid],
      [live, neighbour.pid],
    ] as const) {
      mkdirSync(join(dir, 'session-1'), { recursive: true });
      writeFileSync(join(dir, 'session-1', 'cgroup.procs'), `${pid}\n`);
    }
    mkdirSync(ours);
    const removing = removeLeftovers({ limits: { kind: 'cgroup2', parent: ours, cpu: true } });
    expect(await exited).toBe('SIGKILL');
    // A real cgroupfs lets rmdir take a cgroup with its files; a temporary folder does not, so it goes here.
    rmSync(dead, { recursive: true, force: true });
    await removing;
    expect(neighbour.exitCode).toBeNull();
    expect(neighbour.signalCode).toBeNull();
    neighbour.kill('SIGKILL');
    expect(existsSync(live)).toBe(true);
  });
});
