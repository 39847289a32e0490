import { parsePasswd } from '../../security.ts';
import { emitOpen } from '../../syscalls.ts';
import { type FsError, fsErrorText, normalizePath } from '../../vfs.ts';
import { credentials } from '../context.ts';
import type { CommandCtx } from '../interpreter.ts';

/** Whether the shell's userland is busybox, whose tools print differently from GNU's. */
export const busybox = (ctx: CommandCtx): boolean => ctx.sys.userland === 'busybox';

/** `cat: can't open 'x': No such file or directory` (busybox) or `cat: x: No such file or directory` (GNU). */
export function openError(ctx: CommandCtx, cmd: string, name: string, error: FsError): string {
  return busybox(ctx)
    ? `${cmd}: can't open '${name}': ${fsErrorText[error]}\n`
    : `${cmd}: ${name}: ${fsErrorText[error]}\n`;
}

/** Reads a file a command was given (`-` is stdin), with the caller's permissions. */
export function readFile(ctx: CommandCtx, name: string): { content: string } | { error: FsError } {
  if (name === '-') return { content: ctx.stdin };
  const path = resolvePath(ctx, name);
  if (path === '/dev/null') return { content: '' };
  if (path === '/dev/stdin') return { content: ctx.stdin };
  if (path === '/proc/mounts' || path === '/proc/self/mounts') return { content: mountsText(ctx) };
  const r = ctx.sys.view.read(path, credentials(ctx.sys.sec));
  emitOpen(ctx.sys, ctx.proc, path, { read: true }, 'error' in r ? r.error : undefined);
  return r;
}

/** Paths relative to cwd; /proc/self is the calling process. */
export function resolvePath(ctx: CommandCtx, name: string): string {
  const p = normalizePath(name, ctx.sh.cwd);
  const selfPid = ctx.sys.pidNs === 'host' ? ctx.sys.self.pid : ctx.sys.self.nsPid;
  return p.replace(/^\/proc\/(self|thread-self)(?=\/|$)/, `/proc/${selfPid}`);
}

/** Inputs of a filter command: files, or stdin when none. Prints errors; returns texts and whether all opened. */
export function inputs(
  ctx: CommandCtx,
  cmd: string,
  files: string[],
): { texts: Array<{ name: string; text: string }>; ok: boolean } {
  if (!files.length) return { texts: [{ name: '-', text: ctx.stdin }], ok: true };
  const texts: Array<{ name: string; text: string }> = [];
  let ok = true;
  for (const f of files) {
    const r = readFile(ctx, f);
    if ('error' in r) {
      ctx.err(r.error === 'EISDIR' ? `${cmd}: read error: Is a directory\n` : openError(ctx, cmd, f, r.error));
      ok = false;
    } else texts.push({ name: f, text: r.content });
  }
  return { texts, ok };
}

/** Splits `-abc` style flags and `-n 5` / `-n5` options. */
export function parseFlags(
  args: string[],
  withValue: string[] = [],
): { flags: Set<string>; values: Map<string, string>; rest: string[] } {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (eq >= 0) values.set(name, a.slice(eq + 1));
      else if (withValue.includes(name)) values.set(name, args[++i] ?? '');
      else flags.add(name);
      continue;
    }
    if (a.startsWith('-') && a.length > 1 && !/^-\d+$/.test(a)) {
      for (let j = 1; j < a.length; j++) {
        const f = a[j]!;
        if (withValue.includes(f)) {
          values.set(f, a.slice(j + 1) || (args[++i] ?? ''));
          break;
        }
        flags.add(f);
      }
      continue;
    }
    rest.push(a);
  }
  return { flags, values, rest };
}

/** The name of a user id from the container's /etc/passwd, or the number when it has none. */
export function userName(ctx: CommandCtx, uid: number): string {
  const passwd = ctx.sys.view.read('/etc/passwd', { uid: 0, gid: 0, groups: [], dacOverride: true });
  // getpwuid(3) opens /etc/passwd, as an agent watching the node sees.
  emitOpen(ctx.sys, ctx.proc, '/etc/passwd', { read: true }, 'error' in passwd ? passwd.error : undefined);
  const entry = 'content' in passwd ? parsePasswd(passwd.content).find((u) => u.uid === uid) : undefined;
  return entry?.name ?? String(uid);
}

/** The name of a group id from the container's /etc/group, if it has one. */
export function groupName(ctx: CommandCtx, gid: number): string | undefined {
  const r = ctx.sys.view.read('/etc/group', { uid: 0, gid: 0, groups: [], dacOverride: true });
  emitOpen(ctx.sys, ctx.proc, '/etc/group', { read: true }, 'error' in r ? r.error : undefined);
  if ('error' in r) return undefined;
  for (const line of r.content.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && Number(f[2]) === gid && f[2] !== '') return f[0];
  }
  return undefined;
}

/** The container's mounts in /proc/mounts format. */
export function mountsText(ctx: CommandCtx): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const m of ctx.sys.view.mounts) {
    const line = `${m.source} ${m.target} ${m.fstype} ${m.options ?? (m.readOnly ? 'ro' : 'rw')} 0 0`;
    if (seen.has(line)) continue;
    seen.add(line);
    lines.push(line);
    if (m.target === '/proc' && ctx.sys.container) {
      const priv = ctx.sys.sec.privileged;
      lines.push(`tmpfs /dev tmpfs rw,nosuid,size=65536k,mode=755 0 0`);
      lines.push(`devpts /dev/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666 0 0`);
      lines.push(`mqueue /dev/mqueue mqueue rw,nosuid,nodev,noexec,relatime 0 0`);
      lines.push(`sysfs /sys sysfs ${priv ? 'rw' : 'ro'},nosuid,nodev,noexec,relatime 0 0`);
      lines.push(`cgroup /sys/fs/cgroup cgroup2 ${priv ? 'rw' : 'ro'},nosuid,nodev,noexec,relatime 0 0`);
      lines.push(`/dev/vda1 /dev/termination-log ext4 rw,relatime 0 0`);
      lines.push(`/dev/vda1 /etc/resolv.conf ext4 rw,relatime 0 0`);
      lines.push(`/dev/vda1 /etc/hostname ext4 rw,relatime 0 0`);
      lines.push(`/dev/vda1 /etc/hosts ext4 rw,relatime 0 0`);
      lines.push(`shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** 1:05 style (busybox ps TIME). */
export function mmss(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return `${m}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
}

/** Formats seconds as `HH:MM:SS`, as ps prints a process's time. */
export function hhmmss(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
}
