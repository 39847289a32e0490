import { viewOf } from '../../container-setup.ts';
import { nodeView } from '../../node-host.ts';
import { ProcFs, pidIn, procsInNs } from '../../procfs.ts';
import { ALL_CAPS, capMask } from '../../security.ts';
import type { Proc } from '../../types.ts';
import { FsView, fsErrorText } from '../../vfs.ts';
import { credentials, type Sys } from '../context.ts';
import { type CommandCtx, type CommandTable, Shell } from '../interpreter.ts';
import { busybox, groupName, hhmmss, mmss, mountsText, parseFlags, resolvePath, userName } from './util.ts';

/** Which userland a root file system carries, from its os-release. */
export function userlandOf(view: FsView): 'busybox' | 'gnu' {
  const os = view.stat('/etc/os-release')?.content ?? '';
  return /ID=(alpine|busybox)/.test(os) || (!os && !!view.stat('/bin/busybox')) ? 'busybox' : os ? 'gnu' : 'busybox';
}

/** Starts `argv` in a new process context (after chroot/nsenter); a bare shell in a terminal becomes the session's shell. */
async function runIn(ctx: CommandCtx, sys: Sys, argv: string[]): Promise<number> {
  const name = (argv[0] ?? 'sh').split('/').pop()!;
  const child = new Shell({
    sys,
    env: [...ctx.env].map(([k, v]) => `${k}=${v}`),
    cwd: '/',
    clock: ctx.sh.clock,
    limits: ctx.sh.limits,
    name: name === 'bash' || name === 'zsh' ? 'bash' : 'sh',
  });
  child.counter = ctx.sh.counter;
  child.session = ctx.sh.session;
  child.stderrSink = ctx.sh.stderrSink;
  const found = child.lookup(argv[0] ?? '/bin/sh', child.exportedEnv());
  if (!found.ok) return -1;
  return child.runCommand(argv, ctx, child.exportedEnv());
}

function shellCommand(ctx: CommandCtx): Promise<number> | number {
  const name = ctx.argv[0]!.split('/').pop()!;
  const args = ctx.argv.slice(1);
  const sh = new Shell({
    sys: ctx.sys,
    env: [...ctx.env].map(([k, v]) => `${k}=${v}`),
    cwd: ctx.sh.cwd,
    clock: ctx.sh.clock,
    limits: ctx.sh.limits,
    name: name === 'bash' || name === 'zsh' ? 'bash' : 'sh',
  });
  sh.counter = ctx.sh.counter;
  sh.session = ctx.sh.session;
  sh.stderrSink = ctx.sh.stderrSink;
  sh.depth = ctx.sh.depth + 1;
  const flags = args.filter((a) => /^-[a-z]+$/.test(a) && a !== '-c');
  const c = args.indexOf('-c');
  if (c >= 0) {
    const script = args[c + 1];
    if (script === undefined) {
      ctx.err(`${name}: -c requires an argument\n`);
      return 2;
    }
    sh.args = args.slice(c + 3);
    return sh.runScript(script, ctx);
  }
  const file = args.find((a) => !a.startsWith('-'));
  if (file) {
    const r = ctx.sys.view.read(resolvePath(ctx, file), credentials(ctx.sys.sec));
    if ('error' in r) {
      ctx.err(`${name}: can't open '${file}': ${fsErrorText[r.error]}\n`);
      return 2;
    }
    sh.args = args.slice(args.indexOf(file) + 1);
    return sh.runScript(r.content, ctx);
  }
  void flags;
  if (ctx.stdinIsTerminal && ctx.sh.session) {
    ctx.sh.session.push(sh);
    return 0;
  }
  return sh.runScript(ctx.stdin, ctx);
}

function id(ctx: CommandCtx): number {
  const { flags } = parseFlags(ctx.argv.slice(1));
  const { uid, gid, groups } = ctx.sys.sec;
  const named = (n: number, name: string | undefined) => (name && name !== String(n) ? `${n}(${name})` : String(n));
  const uname = userName(ctx, uid);
  if (flags.has('u')) {
    ctx.out(`${flags.has('n') ? uname : uid}\n`);
    return 0;
  }
  if (flags.has('g')) {
    ctx.out(`${flags.has('n') ? (groupName(ctx, gid) ?? gid) : gid}\n`);
    return 0;
  }
  const all = [...new Set([gid, ...groups])];
  const g = all.map((x) => named(x, groupName(ctx, x))).join(',');
  ctx.out(`uid=${named(uid, uname)} gid=${named(gid, groupName(ctx, gid))} groups=${g}\n`);
  return 0;
}

function ps(ctx: CommandCtx): number {
  const mount = ctx.sys.view.locate('/proc')?.mount;
  const fs = mount?.fs;
  if (!(fs instanceof ProcFs) || mount?.target !== '/proc') {
    ctx.err(busybox(ctx) ? "ps: can't open '/proc': No such file or directory\n" : 'Error: /proc must be mounted\n');
    return 1;
  }
  const now = ctx.sh.clock.now();
  const procs = procsInNs(fs.host, fs.pidNs);
  const cmdline = (p: Proc) => p.argv.join(' ');
  const cpuSecs = (p: Proc) => ((now - p.startedAt) / 1000) * (p.cpuMilli / 1000);
  const { flags } = parseFlags(ctx.argv.slice(1).filter((a) => !/^[a-z]+$/.test(a)));
  const bsd = ctx.argv.slice(1).some((a) => /^[a-z]+$/.test(a));
  const rows: string[] = [];
  if (busybox(ctx)) {
    rows.push('PID   USER     TIME  COMMAND');
    for (const p of procs) {
      rows.push(
        `${String(pidIn(p, fs.pidNs)).padStart(5)} ${userName(ctx, p.uid).slice(0, 8).padEnd(8)} ${mmss(cpuSecs(p)).padStart(5)} ${cmdline(p)}`,
      );
    }
  } else if (bsd && ctx.argv.slice(1).join('').includes('u')) {
    rows.push('USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND');
    for (const p of procs) {
      const start = new Date(p.startedAt);
      const rss = Math.round(p.memBytes / 1024);
      rows.push(
        `${userName(ctx, p.uid).slice(0, 8).padEnd(8)} ${String(pidIn(p, fs.pidNs)).padStart(7)} ${(p.cpuMilli / 10).toFixed(1).padStart(4)} ${((p.memBytes / (16 * 1024 ** 3)) * 100).toFixed(1).padStart(4)} ${String(rss * 3 + 1024).padStart(6)} ${String(rss).padStart(5)} ${(p.transient ? 'pts/0' : '?').padEnd(8)} ${(p.transient ? 'S+' : 'Ss').padEnd(4)} ${`${String(start.getUTCHours()).padStart(2, '0')}:${String(start.getUTCMinutes()).padStart(2, '0')}`.padStart(5)} ${mmss(cpuSecs(p)).padStart(6)} ${cmdline(p)}`,
      );
    }
  } else if (flags.has('e') || flags.has('A') || bsd) {
    rows.push('UID          PID    PPID  C STIME TTY          TIME CMD');
    for (const p of procs) {
      const parent = fs.host.procs.find((q) => q.pid === p.ppid);
      const ppid = parent && (fs.pidNs === 'host' || parent.pidNs === fs.pidNs) ? pidIn(parent, fs.pidNs) : 0;
      const start = new Date(p.startedAt);
      rows.push(
        `${userName(ctx, p.uid).slice(0, 8).padEnd(8)} ${String(pidIn(p, fs.pidNs)).padStart(7)} ${String(ppid).padStart(7)}  ${Math.min(99, Math.round(p.cpuMilli / 10))} ${String(start.getUTCHours()).padStart(2, '0')}:${String(start.getUTCMinutes()).padStart(2, '0')} ${(p.transient ? 'pts/0' : '?').padEnd(8)} ${hhmmss(cpuSecs(p))} ${cmdline(p)}`,
      );
    }
  } else {
    rows.push('    PID TTY          TIME CMD');
    for (const p of procs.filter((q) => q.transient)) {
      rows.push(
        `${String(pidIn(p, fs.pidNs)).padStart(7)} pts/0    ${hhmmss(cpuSecs(p))} ${(p.argv[0] ?? '').split('/').pop()}`,
      );
    }
  }
  ctx.out(`${rows.join('\n')}\n`);
  return 0;
}

/** Block devices of the node's disk, as a privileged container sees them in /dev. */
const HOST_DISKS = ['/dev/vda1', '/dev/sda1', '/dev/nvme0n1p1', '/dev/root'];

/**
 * mount: lists the mount table, or mounts the node's disk. A privileged
 * container sees the host's block devices and may mount them: the classic
 * escape that needs neither hostPID nor a hostPath.
 */
function mount(ctx: CommandCtx): number {
  const positional: string[] = [];
  let options = '';
  const args = ctx.argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-t') i++;
    else if (a === '-o') options = args[++i] ?? '';
    else if (!a.startsWith('-')) positional.push(a);
  }
  if (!positional.length) {
    for (const line of mountsText(ctx).trim().split('\n')) {
      const [src, target, type, opts] = line.split(' ');
      ctx.out(`${src} on ${target} type ${type} (${opts})\n`);
    }
    return 0;
  }
  const [source = '', targetArg = ''] = positional;
  const sec = ctx.sys.sec;
  const bb = busybox(ctx);
  if (sec.uid !== 0 || !sec.effective.has('SYS_ADMIN') || !(sec.privileged || sec.seccomp === 0)) {
    ctx.err(bb ? 'mount: permission denied (are you root?)\n' : `mount: ${targetArg}: permission denied.\n`);
    return bb ? 1 : 32;
  }
  const fail = (why: string) => {
    ctx.err(
      bb
        ? `mount: mounting ${source} on ${targetArg} failed: ${why}\n`
        : `mount: ${targetArg}: ${why.toLowerCase()}.\n`,
    );
    return bb ? 255 : 32;
  };
  const target = resolvePath(ctx, targetArg);
  if (ctx.sys.view.stat(target)?.type !== 'dir') return fail('No such file or directory');
  const device = resolvePath(ctx, source);
  if (!HOST_DISKS.includes(device)) return fail('Invalid argument');
  if (!ctx.sys.view.stat(device)) return fail('No such file or directory');
  const m = {
    target,
    fs: ctx.sys.host.fs,
    sub: '/',
    readOnly: options.split(',').includes('ro'),
    source: device,
    fstype: 'ext4',
    options: `${options.split(',').includes('ro') ? 'ro' : 'rw'},relatime`,
  };
  ctx.sys.view = new FsView([...ctx.sys.view.mounts, m]);
  // The mount lives in the container's mount namespace: later execs see it too.
  if (ctx.sys.container && ctx.sys.view.mounts.some((x) => x.fs === ctx.sys.container!.rootFs && x.target === '/')) {
    ctx.sys.container.mounts.push(m);
  }
  return 0;
}

function fdisk(ctx: CommandCtx): number {
  const disks = HOST_DISKS.map((d) => d.replace(/p?1$/, '')).filter((d) => ctx.sys.view.stat(d));
  if (!ctx.argv.includes('-l')) {
    ctx.err('fdisk: the simulator supports fdisk -l\n');
    return 1;
  }
  if (!disks.length || ctx.sys.sec.uid !== 0) {
    ctx.err("fdisk: can't open '/dev/vda': Permission denied\n");
    return 1;
  }
  for (const d of disks.slice(0, 1)) {
    ctx.out(
      `Disk ${d}: 100 GB, 107374182400 bytes, 209715200 sectors\n13054 cylinders, 255 heads, 63 sectors/track\nUnits: sectors of 1 * 512 = 512 bytes\n\nDevice  Boot StartCHS    EndCHS        StartLBA     EndLBA    Sectors  Size Id Type\n${d}1    0,32,33     1023,254,63       2048  209715166  209713119 99.9G 83 Linux\n`,
    );
  }
  return 0;
}

function df(ctx: CommandCtx): number {
  const { flags } = parseFlags(ctx.argv.slice(1));
  const human = flags.has('h');
  ctx.out(
    human
      ? 'Filesystem                Size      Used Available Use% Mounted on\n'
      : 'Filesystem           1K-blocks      Used Available Use% Mounted on\n',
  );
  for (const m of ctx.sys.view.mounts) {
    if (m.fstype === 'proc') continue;
    const total = m.fstype === 'tmpfs' ? 16365248 : 102_626_232;
    const used = m.fstype === 'tmpfs' ? 12 : 45_123_456;
    const fmt = (kb: number) =>
      human ? (kb > 1024 * 1024 ? `${(kb / 1024 / 1024).toFixed(1)}G` : `${(kb / 1024).toFixed(1)}M`) : String(kb);
    ctx.out(
      `${m.source.padEnd(20)} ${fmt(total).padStart(9)} ${fmt(used).padStart(9)} ${fmt(total - used).padStart(9)} ${`${Math.round((used / total) * 100)}%`.padStart(4)} ${m.target}\n`,
    );
  }
  return 0;
}

function capNames(caps: Set<string>): string {
  return ALL_CAPS.filter((c) => caps.has(c))
    .map((c) => `cap_${c.toLowerCase()}`)
    .join(',');
}

function capsh(ctx: CommandCtx): number {
  const arg = ctx.argv[1] ?? '--print';
  const decode = arg.match(/^--decode=(?:0x)?([0-9a-fA-F]+)$/);
  if (decode) {
    const hex = decode[1]!.padStart(16, '0');
    const hi = Number.parseInt(hex.slice(0, 8), 16);
    const lo = Number.parseInt(hex.slice(8), 16);
    const set = new Set(ALL_CAPS.filter((_, i) => (i < 32 ? (lo >>> i) & 1 : (hi >>> (i - 32)) & 1)));
    ctx.out(`0x${hex}=${capNames(set)}\n`);
    return 0;
  }
  if (arg !== '--print') {
    ctx.err(`capsh: unsupported option ${arg} (the simulator knows --print and --decode)\n`);
    return 1;
  }
  const { effective, bounding, uid, gid, groups, noNewPrivs } = ctx.sys.sec;
  const full = effective.size === ALL_CAPS.length;
  const current = effective.size === 0 ? '=' : full ? '=ep' : `${capNames(effective)}=ep`;
  const iab = ALL_CAPS.filter((c) => !bounding.has(c))
    .map((c) => `!cap_${c.toLowerCase()}`)
    .join(',');
  ctx.out(
    `Current: ${current}\nBounding set =${capNames(bounding)}\nAmbient set =\nCurrent IAB: ${iab}\nSecurebits: 00/0x0/1'b0 (no-new-privs=${noNewPrivs ? 1 : 0})\n secure-noroot: no (unlocked)\n secure-no-suid-fixup: no (unlocked)\n secure-keep-caps: no (unlocked)\n secure-no-ambient-raise: no (unlocked)\nuid=${uid}(${userName(ctx, uid)}) euid=${uid}(${userName(ctx, uid)})\ngid=${gid}(${groupName(ctx, gid) ?? gid})\ngroups=${groups.map((g) => `${g}(${groupName(ctx, g) ?? g})`).join(',')}\nGuessed mode: HYBRID (4)\n`,
  );
  void capMask;
  return 0;
}

const NS_FLAGS: Record<string, string> = {
  m: 'mnt',
  u: 'uts',
  i: 'ipc',
  n: 'net',
  p: 'pid',
  C: 'cgroup',
  U: 'user',
  T: 'time',
};
const NS_LONG: Record<string, string> = {
  mount: 'mnt',
  uts: 'uts',
  ipc: 'ipc',
  net: 'net',
  pid: 'pid',
  cgroup: 'cgroup',
  user: 'user',
};

/**
 * nsenter: joining another process's namespaces needs CAP_SYS_ADMIN (setns) and,
 * for a process with more privilege than the caller, CAP_SYS_PTRACE to open its
 * /proc/PID/ns files — which a privileged container has and a default one lacks.
 */
async function nsenter(ctx: CommandCtx): Promise<number> {
  const args = ctx.argv.slice(1);
  const wanted: string[] = [];
  let target: number | undefined;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=');
      if (k === 'target') target = Number(v ?? args[++i]);
      else if (k === 'all') wanted.push('mnt', 'uts', 'ipc', 'net', 'pid', 'cgroup');
      else if (k && NS_LONG[k]) wanted.push(NS_LONG[k]!);
      continue;
    }
    if (!a.startsWith('-')) break;
    for (let j = 1; j < a.length; j++) {
      const f = a[j]!;
      if (f === 't') {
        const rest = a.slice(j + 1);
        target = Number(rest || args[++i]);
        break;
      }
      if (f === 'a') wanted.push('mnt', 'uts', 'ipc', 'net', 'pid', 'cgroup');
      else if (NS_FLAGS[f]) wanted.push(NS_FLAGS[f]!);
    }
  }
  const command = args.slice(i);
  if (target === undefined || Number.isNaN(target)) {
    ctx.err('nsenter: neither filename nor target pid supplied for ns/mnt\n');
    return 1;
  }
  const mount = ctx.sys.view.locate('/proc')?.mount;
  const procFs = mount?.fs instanceof ProcFs ? mount.fs : undefined;
  const proc = procFs ? procsInNs(procFs.host, procFs.pidNs).find((p) => pidIn(p, procFs.pidNs) === target) : undefined;
  const first = wanted.includes('mnt') ? 'mnt' : (wanted[0] ?? 'mnt');
  if (!proc || !procFs) {
    ctx.err(`nsenter: cannot open /proc/${target}/ns/${first}: No such file or directory\n`);
    return 1;
  }
  const sec = ctx.sys.sec;
  const moreprivileged = proc.sec.effective.size > sec.effective.size || proc.uid !== sec.uid;
  if (sec.uid !== 0 || (moreprivileged && !sec.effective.has('SYS_PTRACE'))) {
    ctx.err(`nsenter: cannot open /proc/${target}/ns/${first}: Permission denied\n`);
    return 1;
  }
  if (!sec.effective.has('SYS_ADMIN') || (wanted.includes('mnt') && !sec.effective.has('SYS_CHROOT'))) {
    ctx.err(`nsenter: reassociate to namespace 'ns/${first}' failed: Operation not permitted\n`);
    return 1;
  }
  const state = ctx.sys.state;
  const host = procFs.host;
  const inst = proc.container;
  const sys: Sys = { ...ctx.sys };
  if (wanted.includes('mnt')) {
    sys.view = inst ? viewOf(inst.mounts) : nodeView(state, host);
    sys.userland = inst ? (inst.image.userland === 'gnu' ? 'gnu' : 'busybox') : userlandOf(sys.view);
  }
  if (wanted.includes('uts'))
    sys.hostname =
      inst && !inst.sec.hostNetwork ? (inst.rootFs.stat('/etc/hostname')?.content.trim() ?? inst.podName) : host.name;
  if (wanted.includes('net')) {
    if (inst && !inst.sec.hostNetwork) {
      sys.net = { kind: 'pod', namespace: inst.namespace, name: inst.podName };
      sys.ip = state.pods.get(inst.podUid)?.pod.status?.podIP ?? host.ips.get(inst.podUid) ?? sys.ip;
    } else {
      sys.net = { kind: 'node', name: host.name };
      sys.ip = host.ip;
    }
  }
  if (wanted.includes('pid')) sys.pidNs = proc.pidNs;
  sys.container = wanted.includes('mnt') ? inst : ctx.sys.container;
  const argv = command.length ? command : [ctx.env.get('SHELL') ?? '/bin/sh'];
  const code = await runIn(ctx, sys, argv);
  if (code === -1) {
    ctx.err(`nsenter: failed to execute ${argv[0]}: No such file or directory\n`);
    return 127;
  }
  return code;
}

async function chroot(ctx: CommandCtx): Promise<number> {
  const [dir, ...command] = ctx.argv.slice(1);
  const bb = busybox(ctx);
  if (!dir) {
    ctx.err('Usage: chroot NEWROOT [PROG ARGS]\n');
    return 1;
  }
  const path = resolvePath(ctx, dir);
  const e = ctx.sys.view.stat(path);
  if (ctx.sys.sec.uid !== 0 || !ctx.sys.sec.effective.has('SYS_CHROOT')) {
    ctx.err(
      bb
        ? `chroot: can't change root directory to '${dir}': Operation not permitted\n`
        : `chroot: cannot change root directory to '${dir}': Operation not permitted\n`,
    );
    return bb ? 1 : 125;
  }
  if (e?.type !== 'dir') {
    const why = e ? 'Not a directory' : 'No such file or directory';
    ctx.err(
      bb
        ? `chroot: can't change root directory to '${dir}': ${why}\n`
        : `chroot: cannot change root directory to '${dir}': ${why}\n`,
    );
    return bb ? 1 : 125;
  }
  const view = new FsView(ctx.sys.view.graft(path, '/'));
  const sys: Sys = { ...ctx.sys, view, userland: userlandOf(view) };
  const argv = command.length ? command : [ctx.env.get('SHELL') ?? '/bin/sh', '-i'];
  const code = await runIn(ctx, sys, argv[1] === '-i' && argv.length === 2 ? [argv[0]!] : argv);
  if (code === -1) {
    ctx.err(
      bb
        ? `chroot: can't execute '${argv[0]}': No such file or directory\n`
        : `chroot: failed to run command ‘${argv[0]}’: No such file or directory\n`,
    );
    return 127;
  }
  return code;
}

function parseDuration(s: string): number | undefined {
  if (s === 'infinity') return Number.POSITIVE_INFINITY;
  const m = s.match(/^(\d+(?:\.\d+)?)([smhd]?)$/);
  if (!m) return undefined;
  return Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2] ?? '']! * 1000;
}

async function sleep(ctx: CommandCtx): Promise<number> {
  const ms = ctx.argv.slice(1).reduce((sum, a) => sum + (parseDuration(a) ?? Number.NaN), 0);
  if (ctx.argv.length < 2 || Number.isNaN(ms)) {
    ctx.err(
      busybox(ctx)
        ? `sleep: invalid number '${ctx.argv[1] ?? ''}'\n`
        : `sleep: invalid time interval '${ctx.argv[1] ?? ''}'\n`,
    );
    return 1;
  }
  if (ms > ctx.sh.limits.maxSleepMs && !ctx.sh.mainProcess) {
    await ctx.sh.sleep(ctx.sh.limits.maxSleepMs);
    ctx.err(`sleep: stopped after ${ctx.sh.limits.maxSleepMs / 1000}s (the simulator bounds every exec)\n`);
    return 130;
  }
  await ctx.sh.sleep(ms);
  return ctx.sh.aborted ? 130 : 0;
}

function date(ctx: CommandCtx): number {
  const d = new Date(ctx.sh.clock.now());
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const fmt = ctx.argv[1];
  if (fmt === '+%s') {
    ctx.out(`${Math.floor(d.getTime() / 1000)}\n`);
    return 0;
  }
  const t = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')}`;
  ctx.out(
    `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${t} UTC ${d.getUTCFullYear()}\n`,
  );
  return 0;
}

/**
 * `timeout DURATION COMMAND...`: the command's own status, or 124 (GNU) / 143 (busybox, the
 * SIGTERM it sends) when the duration runs out first. The simulator cannot kill a command
 * part-way, so what a timed-out command would still print is dropped instead.
 */
async function timeout(ctx: CommandCtx): Promise<number> {
  const args = ctx.argv.slice(1).filter((a, i, all) => !(a.startsWith('-') && i < all.length - 1 && !/^\d/.test(a)));
  const ms = parseDuration(args[0] ?? '');
  if (ms === undefined || args.length < 2) {
    ctx.err('Usage: timeout [-s SIG] SECS PROG ARGS\n');
    return 1;
  }
  let expired = false;
  const quiet = { ...ctx, out: (s: string) => !expired && ctx.out(s), err: (s: string) => !expired && ctx.err(s) };
  const run = ctx.sh.runCommand(args.slice(1), quiet);
  const limit = ctx.sh.sleep(Math.min(ms, ctx.sh.limits.maxSleepMs)).then(() => 'expired' as const);
  const first = await Promise.race([run, limit]);
  if (first !== 'expired') return first;
  expired = true;
  return busybox(ctx) ? 143 : 124;
}

async function xargs(ctx: CommandCtx): Promise<number> {
  const cmd = ctx.argv.slice(1);
  const words = ctx.stdin.split(/\s+/).filter(Boolean);
  if (!cmd.length) cmd.push('echo');
  return ctx.sh.runCommand([...cmd, ...words], { ...ctx, stdin: '' });
}

/** Process, user and system commands of the simulated shell (sh, ps, id, mount, ...). */
export const systemCommands: CommandTable = {
  sh: shellCommand,
  ash: shellCommand,
  bash: shellCommand,
  dash: shellCommand,
  zsh: shellCommand,
  id,
  whoami: (ctx) => {
    const name = userName(ctx, ctx.sys.sec.uid);
    if (name === String(ctx.sys.sec.uid)) {
      ctx.err(
        busybox(ctx)
          ? `whoami: unknown uid ${ctx.sys.sec.uid}\n`
          : `whoami: cannot find name for user ID ${ctx.sys.sec.uid}\n`,
      );
      return 1;
    }
    ctx.out(`${name}\n`);
    return 0;
  },
  hostname: (ctx) => {
    if (ctx.argv[1] && !ctx.argv[1].startsWith('-')) {
      ctx.err(
        busybox(ctx)
          ? 'hostname: sethostname: Operation not permitted\n'
          : 'hostname: you must be root to change the host name\n',
      );
      return 1;
    }
    ctx.out(`${ctx.argv[1] === '-i' ? ctx.sys.ip : ctx.sys.hostname}\n`);
    return 0;
  },
  env: (ctx) => {
    // `env [-i] [NAME=VALUE]... [COMMAND [ARG]...]`: the assignments apply to the command (or the listing).
    const args = ctx.argv.slice(1);
    const env = args[0] === '-i' ? new Map<string, string>() : new Map(ctx.env);
    if (args[0] === '-i') args.shift();
    while (args.length > 0 && /^[^=]+=/.test(args[0]!)) {
      const a = args.shift()!;
      env.set(a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1));
    }
    if (args.length > 0) return ctx.sh.runCommand(args, ctx, env);
    for (const [k, v] of env) ctx.out(`${k}=${v}\n`);
    return 0;
  },
  printenv: (ctx) => {
    const names = ctx.argv.slice(1);
    if (!names.length) {
      for (const [k, v] of ctx.env) ctx.out(`${k}=${v}\n`);
      return 0;
    }
    let status = 0;
    for (const n of names) {
      const v = ctx.env.get(n);
      if (v === undefined) status = 1;
      else ctx.out(`${v}\n`);
    }
    return status;
  },
  uname: (ctx) => {
    const { flags } = parseFlags(ctx.argv.slice(1));
    const release = '6.8.0-1017-gcp';
    const version = '#19-Ubuntu SMP PREEMPT_DYNAMIC Tue Nov 19 10:01:07 UTC 2024';
    if (flags.has('a')) ctx.out(`Linux ${ctx.sys.hostname} ${release} ${version} x86_64 GNU/Linux\n`);
    else {
      const parts: string[] = [];
      if (flags.has('s') || !flags.size) parts.push('Linux');
      if (flags.has('n')) parts.push(ctx.sys.hostname);
      if (flags.has('r')) parts.push(release);
      if (flags.has('v')) parts.push(version);
      if (flags.has('m')) parts.push('x86_64');
      ctx.out(`${parts.join(' ')}\n`);
    }
    return 0;
  },
  sleep,
  date,
  ps,
  mount,
  fdisk,
  df,
  capsh,
  nsenter,
  chroot,
  xargs,
  timeout,
  which: (ctx) => {
    let status = 0;
    for (const n of ctx.argv.slice(1)) {
      const r = ctx.sh.lookup(n, ctx.env);
      if (r.ok) ctx.out(`${r.path}\n`);
      else status = 1;
    }
    return status;
  },
  seq: (ctx) => {
    const nums = ctx.argv.slice(1).map(Number);
    const [a, b, c] =
      nums.length === 1
        ? [1, 1, nums[0]!]
        : nums.length === 2
          ? [nums[0]!, 1, nums[1]!]
          : [nums[0]!, nums[1]!, nums[2]!];
    const out: string[] = [];
    for (let x = a; b > 0 ? x <= c : x >= c; x += b) {
      if (out.length > 100_000) break;
      out.push(String(x));
    }
    if (out.length) ctx.out(`${out.join('\n')}\n`);
    return 0;
  },
  yes: (ctx) => {
    const line = `${ctx.argv.slice(1).join(' ') || 'y'}\n`;
    // Into a pipe, yes stops when the reader has enough (SIGPIPE); to the terminal it floods until the output bound.
    const chunk = line.repeat(Math.max(1, Math.floor(4096 / line.length)));
    const cap = ctx.inPipeline ? 16 : Number.POSITIVE_INFINITY;
    for (let i = 0; i < cap; i++) {
      ctx.sh.step();
      ctx.out(chunk);
    }
    return 0;
  },
  free: (ctx) => {
    ctx.out(
      '              total        used        free      shared  buff/cache   available\nMem:       16365248     4488704     9876543        1234     2000001    12345678\nSwap:             0           0           0\n',
    );
    return 0;
  },
  uptime: (ctx) => {
    ctx.out(' 00:00:00 up 1 day,  2:03,  0 users,  load average: 0.52, 0.58, 0.59\n');
    return 0;
  },
};
