import { describe, expect, it } from 'vitest';
import { joinCgroupCommand, parseCgroupMounts, parseProcCgroup } from './sandbox-limits.ts';

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
