import { describe, expect, it } from 'vitest';
import {
  describeLimits,
  joinCgroupCommand,
  MEMORY_WATCH_INTERVAL_MS,
  PROCESS_LIMITS,
  parseCgroupMounts,
  parseProcCgroup,
  SESSION_LIMITS,
  summarizeLimits,
} from './sandbox-limits.ts';

describe('finding the cgroup hierarchies', () => {
  it('reads cgroup v1 and v2 mounts from mountinfo', () => {
    const mountinfo = [
      '30 25 0:26 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory',
      '31 25 0:27 / /sys/fs/cgroup/pids rw,relatime shared:10 - cgroup cgroup rw,pids',
      '32 25 0:28 / /sys/fs/cgroup/unified rw,relatime shared:11 - cgroup2 cgroup2 rw',
      '33 25 0:29 / /proc rw - proc proc rw',
    ].join('\n');
    expect(parseCgroupMounts(mountinfo)).toEqual([
      { point: '/sys/fs/cgroup/memory', root: '/', fstype: 'cgroup', options: ['rw', 'memory'] },
      { point: '/sys/fs/cgroup/pids', root: '/', fstype: 'cgroup', options: ['rw', 'pids'] },
      { point: '/sys/fs/cgroup/unified', root: '/', fstype: 'cgroup2', options: ['rw'] },
    ]);
  });

  it("reads the runner's own cgroup per controller", () => {
    const own = parseProcCgroup('4:memory:/process_api/53e4\n1:cpu,cpuacct:/\n0::/user.slice/app.scope\n');
    expect(own.get('memory')).toBe('/process_api/53e4');
    expect(own.get('cpuacct')).toBe('/');
    expect(own.get('')).toBe('/user.slice/app.scope');
  });
});

describe('joining the cgroup', () => {
  it('writes the first process into every cgroup before the sandbox starts', () => {
    expect(joinCgroupCommand([], ['/usr/bin/bwrap', 'x'])).toEqual(['/usr/bin/bwrap', 'x']);
    const command = joinCgroupCommand(['/cg/a/cgroup.procs', '/cg/b/cgroup.procs'], ['/usr/bin/bwrap', 'x']);
    expect(command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(command.slice(3)).toEqual([
      'paranoid-sandbox',
      '/cg/a/cgroup.procs',
      '/cg/b/cgroup.procs',
      '--',
      '/usr/bin/bwrap',
      'x',
    ]);
  });
});

describe('what binds a terminal, as health and doctor say it', () => {
  it('with a cgroup: memory, processes, CPU and disk per terminal, nothing unbounded', () => {
    const summary = summarizeLimits({ kind: 'cgroup1', parents: { memory: '/m', pids: '/p', cpu: '/c' } });
    expect(summary.perSession).toEqual({
      memoryBytes: SESSION_LIMITS.memoryBytes,
      pids: SESSION_LIMITS.pids,
      cpuCores: 0.5,
      diskBytes: 272 * 1024 ** 2,
    });
    expect(summary.unbounded).toEqual([]);
    expect(describeLimits(summary)).toBe(
      'per terminal: memory 768 MiB, 256 processes, 0.5 CPU, disk 272 MiB (tmpfs); per process: address space 4096 MiB, files 64 MiB, 512 open files; all terminals: 4096 processes',
    );
  });

  it('says so when a cgroup v2 has no cpu controller', () => {
    const summary = summarizeLimits({ kind: 'cgroup2', parent: '/sys/fs/cgroup/x', cpu: false });
    expect(summary.perSession.cpuCores).toBeUndefined();
    expect(summary.unbounded).toEqual(["one terminal's CPU (the cgroup has no cpu controller here)"]);
  });

  it("without a cgroup: the fallback bounds (the runner's memory watch among them), the reason, and what is not bounded", () => {
    const summary = summarizeLimits({ kind: 'rlimit', reason: 'cgroup v1 is not writable here (EACCES)' });
    expect(summary.reason).toBe('cgroup v1 is not writable here (EACCES)');
    expect(summary.perSession).toEqual({ memoryBytes: 768 * 1024 ** 2, diskBytes: 272 * 1024 ** 2 });
    expect(summary.memoryWatchMs).toBe(MEMORY_WATCH_INTERVAL_MS);
    expect(summary.allTerminalsProcesses).toBe(PROCESS_LIMITS.nprocWithout);
    expect(describeLimits(summary)).toMatch(
      /^per terminal: memory 768 MiB \(measured by the runner every 200 ms\), disk 272 MiB \(tmpfs\); per process: address space 4096 MiB, .*; all terminals: 512 processes; not bounded: one terminal's CPU$/,
    );
  });
});
