import { capMask } from './security.ts';
import type { NodeHost, Proc } from './types.ts';
import { DynamicFs, MemFs } from './vfs.ts';

/** Processes visible in a PID namespace (`host` sees every process on the node). */
export function procsInNs(host: NodeHost, pidNs: string): Proc[] {
  if (pidNs === 'host') return [...host.procs].sort((a, b) => a.pid - b.pid);
  return host.procs.filter((p) => p.pidNs === pidNs).sort((a, b) => a.nsPid - b.nsPid);
}

/** The PID a process has as seen from `pidNs`. */
export const pidIn = (p: Proc, pidNs: string): number => (pidNs === 'host' ? p.pid : p.nsPid);

/** A /proc for one PID namespace: status (with CapEff), cmdline, environ, plus a few global files. */
export function createProcFs(host: NodeHost, pidNs: string, uptime: () => number): ProcFs {
  // Rebuilt only when the process table or the second changes: path resolution stats often.
  let cached: { key: string; fs: MemFs } | undefined;
  const key = () => `${host.procs.length}:${host.nextPid}:${Math.floor(uptime() / 1000)}`;
  return new ProcFs(host, pidNs, () => {
    const k = key();
    if (cached?.key === k) return cached.fs;
    cached = { key: k, fs: build() };
    return cached.fs;
  });
  function build(): MemFs {
    const fs = new MemFs();
    for (const p of procsInNs(host, pidNs)) {
      const pid = pidIn(p, pidNs);
      const ppidProc = host.procs.find((q) => q.pid === p.ppid);
      const ppid = ppidProc && (pidNs === 'host' || ppidProc.pidNs === pidNs) ? pidIn(ppidProc, pidNs) : 0;
      const dir = `/${pid}`;
      const name = (p.argv[0] ?? '').split('/').pop()!.split(' ')[0]!.slice(0, 15);
      fs.mkdirs(dir, 0o555, p.uid, p.gid);
      fs.put(
        `${dir}/status`,
        [
          `Name:\t${name}`,
          'State:\tS (sleeping)',
          `Tgid:\t${pid}`,
          `Pid:\t${pid}`,
          `PPid:\t${ppid}`,
          `Uid:\t${p.uid}\t${p.uid}\t${p.uid}\t${p.uid}`,
          `Gid:\t${p.gid}\t${p.gid}\t${p.gid}\t${p.gid}`,
          `Groups:\t${p.sec.groups.join(' ')}`,
          `NSpid:\t${p.pid === pid ? pid : `${p.pid}\t${pid}`}`,
          `VmRSS:\t${Math.round(p.memBytes / 1024)} kB`,
          `CapInh:\t0000000000000000`,
          `CapPrm:\t${capMask(p.sec.effective)}`,
          `CapEff:\t${capMask(p.sec.effective)}`,
          `CapBnd:\t${capMask(p.sec.bounding)}`,
          `CapAmb:\t0000000000000000`,
          `NoNewPrivs:\t${p.sec.noNewPrivs ? 1 : 0}`,
          `Seccomp:\t${p.sec.seccomp}`,
          `Seccomp_filters:\t${p.sec.seccomp ? 1 : 0}`,
          '',
        ].join('\n'),
        0o444,
        p.uid,
        p.gid,
      );
      fs.put(`${dir}/cmdline`, `${p.argv.join('\0')}\0`, 0o444, p.uid, p.gid);
      fs.put(`${dir}/comm`, `${name}\n`, 0o444, p.uid, p.gid);
      fs.put(`${dir}/environ`, p.env.length ? `${p.env.join('\0')}\0` : '', 0o400, p.uid, p.gid);
      fs.mkdirs(`${dir}/ns`, 0o511, p.uid, p.gid);
      for (const ns of ['ipc', 'mnt', 'net', 'pid', 'uts', 'cgroup']) {
        fs.symlink(`${dir}/ns/${ns}`, `${ns}:[${nsInode(p, ns)}]`);
      }
      fs.symlink(`${dir}/root`, '/');
    }
    fs.put('/version', 'Linux version 6.8.0-1017-gcp (buildd@lcy02-amd64-054) (gcc 13.2.0) #19-Ubuntu SMP\n', 0o444);
    fs.put('/uptime', `${(uptime() / 1000).toFixed(2)} ${(uptime() / 500).toFixed(2)}\n`, 0o444);
    fs.put(
      '/meminfo',
      'MemTotal:       16365248 kB\nMemFree:         9876543 kB\nMemAvailable:   12345678 kB\n',
      0o444,
    );
    fs.put(
      '/cpuinfo',
      'processor\t: 0\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n',
      0o444,
    );
    fs.put('/sys/kernel/hostname', `${host.name}\n`, 0o444);
    return fs;
  }
}

/** A /proc: remembers which PID namespace it shows, so `ps` lists what a real one would. */
export class ProcFs extends DynamicFs {
  constructor(
    readonly host: NodeHost,
    readonly pidNs: string,
    build: () => MemFs,
  ) {
    super(build);
  }
}

function nsInode(p: Proc, ns: string): number {
  const key = ns === 'pid' ? p.pidNs : p.container ? `${p.container.podUid}:${ns}` : 'host';
  if (key === 'host') return 4026531835 + ['ipc', 'mnt', 'net', 'pid', 'uts', 'cgroup'].indexOf(ns);
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return 4026532000 + (h % 100000);
}
