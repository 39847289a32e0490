/**
 * The cgroup v2 path, over a model of cgroupfs v2: this host's v2 hierarchy has only `hugetlb`
 * (memory, pids and cpu are bound to its v1 hierarchies, and a controller lives in one hierarchy
 * only), so no test here can make the kernel enforce these files. The model keeps the kernel's
 * rules that the delegation depends on (cgroup-v2.rst): a child's controllers are its parent's
 * `cgroup.subtree_control`; a non-root cgroup with processes cannot enable controllers for its
 * children, nor take processes once it has ("no internal processes"); writing a pid to
 * `cgroup.procs` moves it; interface files exist only for enabled controllers, and no others can
 * be made. What is checked: the files the runner writes, their values, and the order.
 */
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CgroupFs,
  createSessionCgroup,
  delegateV2,
  detectLimitsBackend,
  joinCgroupCommand,
  SESSION_LIMITS,
  summarizeLimits,
} from './sandbox-limits.ts';

interface Cgroup {
  procs: string[];
  controllers: Set<string>;
  subtree: Set<string>;
  files: Map<string, string>;
}

const INTERFACE_FILES: Record<string, Record<string, string>> = {
  memory: { 'memory.max': 'max', 'memory.swap.max': 'max' },
  pids: { 'pids.max': 'max' },
  cpu: { 'cpu.max': 'max 100000' },
};

const busy = (path: string) =>
  Object.assign(new Error(`EBUSY: resource busy or locked, write '${path}'`), { code: 'EBUSY' });
const missing = (path: string) =>
  Object.assign(new Error(`ENOENT: no such file or directory, '${path}'`), { code: 'ENOENT' });

/** cgroupfs v2 mounted at `root`, with the host's /proc/self files for the runner. */
class CgroupFsModel implements CgroupFs {
  readonly cgroups = new Map<string, Cgroup>();
  readonly writes: string[] = [];
  /** /proc files the runner reads, by path. */
  readonly proc = new Map<string, string>();
  /** Runs before each write to a `cgroup.subtree_control`, as a process forking meanwhile would. */
  beforeEnable?: () => void;

  constructor(
    readonly root: string,
    rootControllers: string[],
  ) {
    this.cgroups.set(root, { procs: [], controllers: new Set(rootControllers), subtree: new Set(), files: new Map() });
  }

  /** The runner's cgroup at `path`, holding `pids`, with `controllers` available to it. */
  placeRunner(path: string, controllers: string[], pids: number[]): string {
    const dir = `${this.root}${path}`;
    this.cgroups.set(dir, {
      procs: pids.map(String),
      controllers: new Set(controllers),
      subtree: new Set(),
      files: new Map(),
    });
    this.proc.set('/proc/self/mountinfo', `25 1 0:26 / ${this.root} rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n`);
    this.proc.set('/proc/self/cgroup', `0::${path}\n`);
    return dir;
  }

  cgroup(path: string): Cgroup {
    const found = this.cgroups.get(path);
    if (!found) throw missing(path);
    return found;
  }

  read(path: string): string {
    const file = this.proc.get(path);
    if (file !== undefined) return file;
    const cgroup = this.cgroup(dirname(path));
    const name = path.slice(dirname(path).length + 1);
    if (name === 'cgroup.procs') return cgroup.procs.map((p) => `${p}\n`).join('');
    if (name === 'cgroup.controllers') return `${[...cgroup.controllers].join(' ')}\n`;
    if (name === 'cgroup.subtree_control') return `${[...cgroup.subtree].join(' ')}\n`;
    const value = cgroup.files.get(name);
    if (value === undefined) throw missing(path);
    return `${value}\n`;
  }

  write(path: string, data: string): void {
    const dir = dirname(path);
    const cgroup = this.cgroup(dir);
    const name = path.slice(dir.length + 1);
    const isRoot = dir === this.root;
    if (name === 'cgroup.procs') {
      if (!isRoot && cgroup.subtree.size > 0) throw busy(path);
      for (const other of this.cgroups.values()) other.procs = other.procs.filter((p) => p !== data.trim());
      cgroup.procs.push(data.trim());
    } else if (name === 'cgroup.subtree_control') {
      this.beforeEnable?.();
      const wanted = data.trim().split(/\s+/);
      for (const token of wanted) if (!cgroup.controllers.has(token.slice(1))) throw missing(path);
      if (!isRoot && cgroup.procs.length > 0) throw busy(path);
      for (const token of wanted) {
        if (token.startsWith('+')) cgroup.subtree.add(token.slice(1));
        else cgroup.subtree.delete(token.slice(1));
      }
    } else {
      if (!cgroup.files.has(name)) throw missing(path);
      cgroup.files.set(name, data);
    }
    this.writes.push(`${path.slice(this.root.length)} ${data}`);
  }

  mkdir(path: string, exclusive?: boolean): void {
    if (this.cgroups.has(path)) {
      if (exclusive) throw Object.assign(new Error(`EEXIST: file already exists, mkdir '${path}'`), { code: 'EEXIST' });
      return;
    }
    const parent = this.cgroup(dirname(path));
    const files = new Map<string, string>();
    for (const controller of parent.subtree)
      for (const [f, v] of Object.entries(INTERFACE_FILES[controller] ?? {})) files.set(f, v);
    this.cgroups.set(path, { procs: [], controllers: new Set(parent.subtree), subtree: new Set(), files });
  }

  exists(path: string): boolean {
    if (this.proc.has(path) || this.cgroups.has(path)) return true;
    const cgroup = this.cgroups.get(dirname(path));
    const name = path.slice(dirname(path).length + 1);
    return !!cgroup && (name.startsWith('cgroup.') || cgroup.files.has(name));
  }
}

const SERVICE = '/system.slice/paranoid.service';
const NPM = 4001;

describe('a cgroup v2 delegated to the runner (modelled cgroupfs)', () => {
  it('moves every process of its cgroup into a leaf, then delegates memory, pids and cpu to a subtree', () => {
    const fs = new CgroupFsModel('/sys/fs/cgroup', ['memory', 'pids', 'cpu', 'io']);
    const dir = fs.placeRunner(SERVICE, ['memory', 'pids', 'cpu', 'io'], [NPM, process.pid]);
    const backend = detectLimitsBackend('77', fs);
    expect(backend).toEqual({ kind: 'cgroup2', parent: `${dir}/paranoid-77`, cpu: true });
    // The runner and what started it now sit in the leaf; the delegated cgroup holds no process.
    expect(fs.cgroup(`${dir}/paranoid-runner-77`).procs.sort()).toEqual([String(NPM), String(process.pid)].sort());
    expect(fs.cgroup(dir).procs).toEqual([]);
    expect([...fs.cgroup(dir).subtree]).toEqual(['memory', 'pids', 'cpu']);
    expect([...fs.cgroup(`${dir}/paranoid-77`).subtree]).toEqual(['memory', 'pids', 'cpu']);
    // In this order: the runner first, then the others, then the controllers.
    expect(fs.writes).toEqual([
      `${SERVICE}/paranoid-runner-77/cgroup.procs ${process.pid}`,
      `${SERVICE}/paranoid-runner-77/cgroup.procs ${NPM}`,
      `${SERVICE}/cgroup.subtree_control +memory +pids +cpu`,
      `${SERVICE}/paranoid-77/cgroup.subtree_control +memory +pids +cpu`,
    ]);
  });

  it("gives each sandbox its own cgroup with the session's memory, swap, process and CPU caps", () => {
    const fs = new CgroupFsModel('/sys/fs/cgroup', ['memory', 'pids', 'cpu']);
    const dir = fs.placeRunner(SERVICE, ['memory', 'pids', 'cpu'], [process.pid]);
    const backend = detectLimitsBackend('77', fs);
    const cgroup = createSessionCgroup(backend, 's-abc-1', SESSION_LIMITS, fs);
    const session = fs.cgroup(`${dir}/paranoid-77/s-abc-1`);
    expect(Object.fromEntries(session.files)).toEqual({
      'memory.max': String(768 * 1024 ** 2),
      'memory.swap.max': '0',
      'pids.max': '256',
      'cpu.max': '50000 100000',
    });
    expect(cgroup?.procsFiles).toEqual([`${dir}/paranoid-77/s-abc-1/cgroup.procs`]);
    // The launcher writes the sandbox's first process there before it execs bwrap.
    const command = joinCgroupCommand(cgroup!.procsFiles, ['/usr/bin/bwrap']);
    expect(command).toContain(`${dir}/paranoid-77/s-abc-1/cgroup.procs`);
    fs.write(cgroup!.procsFiles[0]!, '5001');
    expect(session.procs).toEqual(['5001']);
    // A second sandbox of the same name is an error, never a shared cgroup.
    expect(() => createSessionCgroup(backend, 's-abc-1', SESSION_LIMITS, fs)).toThrow(/EEXIST/);
  });

  it('is refused by the model when controllers are enabled before the processes move (the rule the order serves)', () => {
    const fs = new CgroupFsModel('/sys/fs/cgroup', ['memory', 'pids']);
    const dir = fs.placeRunner(SERVICE, ['memory', 'pids'], [process.pid]);
    expect(() => fs.write(`${dir}/cgroup.subtree_control`, '+memory +pids')).toThrow(/EBUSY/);
  });

  it('moves a process that started during the move on the next pass', () => {
    const fs = new CgroupFsModel('/sys/fs/cgroup', ['memory', 'pids']);
    const dir = fs.placeRunner(SERVICE, ['memory', 'pids'], [process.pid]);
    let forks = 0;
    fs.beforeEnable = () => {
      // npm starts a child in the runner's cgroup just before the first attempt.
      if (forks++ === 0) fs.cgroup(dir).procs.push('4100');
    };
    expect(detectLimitsBackend('77', fs)).toMatchObject({ kind: 'cgroup2', cpu: false });
    expect(fs.cgroup(`${dir}/paranoid-runner-77`).procs).toContain('4100');
  });

  it('without the cpu controller: no cpu.max, and health says CPU is not bounded', () => {
    const fs = new CgroupFsModel('/sys/fs/cgroup', ['memory', 'pids']);
    const dir = fs.placeRunner(SERVICE, ['memory', 'pids'], [process.pid]);
    const backend = detectLimitsBackend('77', fs);
    expect(backend).toEqual({ kind: 'cgroup2', parent: `${dir}/paranoid-77`, cpu: false });
    createSessionCgroup(backend, 's-1', SESSION_LIMITS, fs);
    expect(fs.cgroup(`${dir}/paranoid-77/s-1`).files.has('cpu.max')).toBe(false);
    expect(summarizeLimits(backend).unbounded.join(' ')).toMatch(/CPU/);
  });

  it('falls back to rlimits, saying why, when memory and pids are not available to the runner', () => {
    const fs = new CgroupFsModel('/sys/fs/cgroup', ['memory', 'pids', 'cpu']);
    fs.placeRunner('/user.slice/user-1000.slice/session-3.scope', ['cpu'], [process.pid]);
    const backend = detectLimitsBackend('77', fs);
    expect(backend.kind).toBe('rlimit');
    expect(backend.kind === 'rlimit' && backend.reason).toMatch(
      /^cgroup v2 at \/sys\/fs\/cgroup\/user\.slice\/user-1000\.slice\/session-3\.scope does not delegate the memory and pids controllers/,
    );
  });

  it('falls back to rlimits, saying why, when the subtree cannot be delegated', () => {
    const fs = new CgroupFsModel('/sys/fs/cgroup', ['memory', 'pids']);
    const dir = fs.placeRunner(SERVICE, ['memory', 'pids'], [process.pid]);
    // A process the runner may not move (another user's): the cgroup keeps an internal process.
    fs.beforeEnable = () => {
      if (!fs.cgroup(dir).procs.includes('1')) fs.cgroup(dir).procs.push('1');
    };
    const backend = detectLimitsBackend('77', fs);
    expect(backend.kind === 'rlimit' && backend.reason).toMatch(/is not delegated to this user \(EBUSY/);
  });

  it('delegates only the controllers it is given', () => {
    const fs = new CgroupFsModel('/sys/fs/cgroup', ['hugetlb']);
    const dir = fs.placeRunner(SERVICE, ['hugetlb'], [NPM, process.pid]);
    expect(delegateV2(dir, 'x', ['hugetlb'], fs, process.pid)).toEqual({
      kind: 'cgroup2',
      parent: `${dir}/paranoid-x`,
      cpu: false,
    });
  });

  it("without a cgroup, says whether the kernel's autogroups make each terminal one CPU share", () => {
    const fs = new CgroupFsModel('/sys/fs/cgroup/unified', []);
    fs.proc.set(
      '/proc/self/mountinfo',
      '32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n',
    );
    fs.proc.set('/proc/self/cgroup', '1:cpu:/\n0::/\n');
    fs.proc.set('/proc/sys/kernel/sched_autogroup_enabled', '1\n');
    const backend = detectLimitsBackend('77', fs);
    expect(backend).toMatchObject({ kind: 'rlimit', autogroup: true });
    expect(summarizeLimits(backend).unbounded[0]).toMatch(/not capped: it is one scheduling group, an autogroup/);
    // In a CPU cgroup of its own, the kernel does not use autogroups.
    fs.proc.set('/proc/self/cgroup', '1:cpu:/system.slice/paranoid.service\n0::/\n');
    expect(detectLimitsBackend('77', fs)).toMatchObject({ kind: 'rlimit', autogroup: false });
    fs.proc.set('/proc/self/cgroup', '1:cpu:/\n0::/\n');
    fs.proc.set('/proc/sys/kernel/sched_autogroup_enabled', '0\n');
    const off = detectLimitsBackend('77', fs);
    expect(off).toMatchObject({ kind: 'rlimit', autogroup: false });
    expect(summarizeLimits(off).unbounded[0]).toBe("one terminal's CPU");
  });
});
