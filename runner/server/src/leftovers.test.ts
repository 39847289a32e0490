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
    expect(removeLeftovers(root)).toEqual([dead]);
    expect(existsSync(dead)).toBe(false);
    expect(await exited).toBe('SIGKILL');
  });

  it('leaves a live runner’s folders alone', () => {
    const live = workDir('live', process.pid);
    expect(removeLeftovers(root)).toEqual([]);
    expect(existsSync(live)).toBe(true);
  });

  it('removes a folder without a pid file only when it is a day old', () => {
    const fresh = workDir('fresh', null);
    const old = workDir('old', null);
    const dayAgo = (Date.now() - 25 * 60 * 60_000) / 1000;
    utimesSync(old, dayAgo, dayAgo);
    expect(removeLeftovers(root)).toEqual([old]);
    expect(existsSync(fresh)).toBe(true);
  });
});
