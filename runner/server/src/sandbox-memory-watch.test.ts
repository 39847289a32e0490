import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeMemoryKill,
  type MemoryKill,
  parseStatusMemory,
  readProcessTree,
  startMemoryWatch,
  victimsOverLimit,
} from './sandbox-memory-watch.ts';

const MiB = 1024 ** 2;
const proc = (pid: number, mib: number, comm = 'perl') => ({ pid, comm, memoryBytes: mib * MiB });

describe('victims over the limit', () => {
  it('kills nothing while the processes hold no more than the limit together', () => {
    expect(victimsOverLimit([proc(1, 300), proc(2, 468)], 768 * MiB)).toBeNull();
  });

  it('kills the largest first, and only as many as it takes to get under the limit', () => {
    const over = victimsOverLimit([proc(1, 5, 'bash'), proc(2, 400), proc(3, 300), proc(4, 200)], 768 * MiB);
    expect(over?.victims.map((v) => v.pid)).toEqual([2]);
    expect(over?.totalBytes).toBe(905 * MiB);
    const many = victimsOverLimit(
      [proc(1, 5, 'bash'), ...Array.from({ length: 10 }, (_, i) => proc(i + 2, 100))],
      300 * MiB,
    );
    expect(many?.victims).toHaveLength(8);
  });

  it("tells the terminal in the kernel's words what it killed and why", () => {
    const over = victimsOverLimit([proc(41, 5, 'bash'), proc(42, 900)], 768 * MiB)!;
    expect(describeMemoryKill(over)).toBe(
      "Out of memory: Killed process 42 (perl) anon-rss:900 MiB.\nThis terminal's processes held 905 MiB together; they may hold 768 MiB.",
    );
  });
});

describe('reading a process tree from /proc', () => {
  it("reads a status file's name and its anonymous and shared resident memory", () => {
    const mine = parseStatusMemory(readFileSync('/proc/self/status', 'utf8'));
    expect(mine.memoryBytes).toBeGreaterThan(10 * MiB);
    expect(parseStatusMemory('Name:\tperl\nRssAnon:\t  2048 kB\nRssFile:\t 9999 kB\nRssShmem:\t  1024 kB\n')).toEqual({
      comm: 'perl',
      memoryBytes: 3 * MiB,
    });
  });
});

describe('the memory watch, on real processes', () => {
  let tree: ChildProcess | undefined;
  afterEach(() => {
    if (tree?.pid) {
      for (const p of readProcessTree(tree.pid).reverse()) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {}
      }
    }
    tree = undefined;
  });

  /**
   * A shell with three perls holding at least `mib` MiB each, as a memory bomb spread over
   * processes would; resolves once what they hold has stopped changing.
   */
  async function bomb(mib: number) {
    tree = spawn('sh', ['-c', `for i in 1 2 3; do perl -e '$x = "a" x (${mib}*1024*1024); sleep 60' & done; wait`], {
      stdio: 'ignore',
    });
    const root = tree.pid!;
    const deadline = Date.now() + 20_000;
    let last = '';
    for (;;) {
      const perls = readProcessTree(root).filter((p) => p.comm === 'perl');
      const now = JSON.stringify(perls);
      if (perls.length === 3 && perls.every((p) => p.memoryBytes >= mib * MiB) && now === last) return root;
      if (Date.now() > deadline) throw new Error(`the three perls did not allocate: ${now}`);
      last = now;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('finds every process of the tree, and what they hold together', async () => {
    const root = await bomb(40);
    const found = readProcessTree(root);
    expect(found[0]!.pid).toBe(root);
    expect(found.filter((p) => p.comm === 'perl')).toHaveLength(3);
    expect(found.reduce((sum, p) => sum + p.memoryBytes, 0)).toBeGreaterThan(120 * MiB);
  });

  it('kills the largest processes of a terminal over its limit, and leaves one under it alone', async () => {
    const root = await bomb(100);
    const held = readProcessTree(root);
    const total = held.reduce((sum, p) => sum + p.memoryBytes, 0);
    const largest = Math.max(...held.map((p) => p.memoryBytes));
    // Over the limit by less than the largest process holds: one kill brings the rest under it.
    const limitBytes = total - largest / 2;
    const kills: MemoryKill[] = [];
    const watch = startMemoryWatch({ limitBytes, intervalMs: 60_000 });
    const stop = watch.add({ pid: () => root, onKill: (kill) => kills.push(kill) });
    watch.check();
    expect(kills).toHaveLength(1);
    expect(kills[0]!.victims.map((v) => v.comm)).toEqual(['perl']);
    expect(kills[0]!.totalBytes).toBeGreaterThan(limitBytes);
    const deadline = Date.now() + 5_000;
    while (readProcessTree(root).filter((p) => p.comm === 'perl').length > 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(readProcessTree(root).filter((p) => p.comm === 'perl')).toHaveLength(2);
    // Under the limit now: the next pass kills nothing.
    watch.check();
    expect(kills).toHaveLength(1);
    stop();
    watch.close();
  });
});
