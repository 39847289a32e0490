/**
 * The file systems a simulated process sees: in-memory trees (image layers, volumes,
 * the node's disk) and dynamic ones (/proc), joined by a mount table. A view is a
 * mount table; `chroot`, `nsenter -m` and hostPath volumes are operations on views,
 * so an escape really changes what every later command reads.
 */
import { mayPtraceRead } from './ptrace-access.ts';

/** A file, directory or symlink in the simulated file system, with owner and mode. */
export interface FileEntry {
  type: 'file' | 'dir' | 'symlink';
  content: string;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  uid: number;
  gid: number;
  /** Milliseconds since the epoch. */
  mtime: number;
  /**
   * For /proc/PID files guarded by the ptrace access check (environ, root): the uid of
   * the process they belong to. See `ptrace-access.ts`.
   */
  ptraceUid?: number;
  /**
   * For an executable: the program it is (`busybox`, `nc`), so that a copy runs as the original does
   * whatever its name. Unset: the program named like the file.
   */
  program?: string;
}

/** A file system a mount points into. Paths are absolute within the backend. */
export interface FsBackend {
  stat(path: string): FileEntry | undefined;
  /** Names in a directory, sorted; undefined when not a directory. */
  list(path: string): string[] | undefined;
  /** Undefined when the backend cannot be written at all (e.g. /proc). */
  write?(path: string, entry: FileEntry): void;
  remove?(path: string): void;
}

/** Makes a path absolute (against `cwd`) and resolves `.`, `..` and repeated slashes. */
export function normalizePath(path: string, cwd = '/'): string {
  const raw = path.startsWith('/') ? path : `${cwd}/${path}`;
  const out: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** Joins two paths and normalizes the result. */
export function joinPath(a: string, b: string): string {
  return normalizePath(`${a}/${b}`);
}

/** The path of the directory containing a path. */
export function dirname(path: string): string {
  const n = normalizePath(path);
  const i = n.lastIndexOf('/');
  return i <= 0 ? '/' : n.slice(0, i);
}

/** The last component of a path. */
export function basename(path: string): string {
  const n = normalizePath(path);
  return n.slice(n.lastIndexOf('/') + 1) || '/';
}

/** A writable in-memory tree. Parents of a written path are created as directories. */
export class MemFs implements FsBackend {
  private entries = new Map<string, FileEntry>();
  constructor(private now: () => number = () => 0) {
    this.entries.set('/', { type: 'dir', content: '', mode: 0o755, uid: 0, gid: 0, mtime: now() });
  }

  stat(path: string): FileEntry | undefined {
    return this.entries.get(normalizePath(path));
  }

  list(path: string): string[] | undefined {
    const p = normalizePath(path);
    const e = this.entries.get(p);
    if (e?.type !== 'dir') return undefined;
    const prefix = p === '/' ? '/' : `${p}/`;
    const names = new Set<string>();
    for (const key of this.entries.keys()) {
      if (key !== p && key.startsWith(prefix)) {
        const rest = key.slice(prefix.length);
        if (!rest.includes('/')) names.add(rest);
      }
    }
    return [...names].sort();
  }

  write(path: string, entry: FileEntry): void {
    const p = normalizePath(path);
    this.mkdirs(dirname(p));
    this.entries.set(p, { ...entry });
  }

  remove(path: string): void {
    const p = normalizePath(path);
    const prefix = `${p}/`;
    for (const key of [...this.entries.keys()]) if (key === p || key.startsWith(prefix)) this.entries.delete(key);
  }

  /** Convenience for building trees: a file with mode and owner. */
  put(path: string, content: string, mode = 0o644, uid = 0, gid = 0): this {
    this.write(path, { type: 'file', content, mode, uid, gid, mtime: this.now() });
    return this;
  }

  mkdirs(path: string, mode = 0o755, uid = 0, gid = 0): this {
    const p = normalizePath(path);
    let cur = '';
    for (const part of p.split('/').filter(Boolean)) {
      cur += `/${part}`;
      const e = this.entries.get(cur);
      if (!e) this.entries.set(cur, { type: 'dir', content: '', mode, uid, gid, mtime: this.now() });
    }
    return this;
  }

  symlink(path: string, target: string): this {
    this.write(path, { type: 'symlink', content: target, mode: 0o777, uid: 0, gid: 0, mtime: this.now() });
    return this;
  }

  /** A deep copy: a container's writable layer starts as a copy of its image. */
  clone(): MemFs {
    const copy = new MemFs(this.now);
    for (const [k, v] of this.entries) copy.entries.set(k, { ...v });
    return copy;
  }

  size(): number {
    return this.entries.size;
  }
}

/** A directory whose entries are computed on every read (/proc, /var/lib/kubelet/pods). */
export class DynamicFs implements FsBackend {
  constructor(private build: () => MemFs) {}
  stat(path: string): FileEntry | undefined {
    return this.build().stat(path);
  }
  list(path: string): string[] | undefined {
    return this.build().list(path);
  }
}

/** A file system mounted into a container's view, and whether it is read-only. */
export interface Mount {
  /** Where it appears in the view. */
  target: string;
  fs: FsBackend;
  /** The directory of the backend mounted at target. */
  sub: string;
  readOnly: boolean;
  /** For `mount` and `df`: device/source and file-system type. */
  source: string;
  fstype: string;
  options?: string;
}

/** The errno of a failed file operation. */
export type FsError = 'ENOENT' | 'EACCES' | 'EROFS' | 'ENOTDIR' | 'EISDIR' | 'EEXIST' | 'ENOTEMPTY';

/** The message a tool prints for each errno. */
export const fsErrorText: Record<FsError, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EROFS: 'Read-only file system',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EEXIST: 'File exists',
  ENOTEMPTY: 'Directory not empty',
};

/** Who is asking, for permission checks. */
export interface FsCredentials {
  uid: number;
  gid: number;
  groups: number[];
  /** CAP_DAC_OVERRIDE: root in a container normally has it. */
  dacOverride: boolean;
  /** CAP_SYS_PTRACE: lets /proc/PID/environ of another uid's process be read. */
  sysPtrace?: boolean;
}

/** A process's view of the world's files: an ordered mount table. */
export class FsView {
  readonly mounts: Mount[];
  constructor(mounts: Mount[]) {
    // Later mounts shadow earlier ones at the same target, as on Linux.
    this.mounts = [...mounts].sort((a, b) => depth(a.target) - depth(b.target));
  }

  /** The mount and backend path for a view path (following no symlinks). */
  locate(path: string): { mount: Mount; inner: string } | undefined {
    const p = normalizePath(path);
    let best: Mount | undefined;
    for (const m of this.mounts) {
      if (isUnder(p, m.target) && (!best || depth(m.target) >= depth(best.target))) best = m;
    }
    if (!best) return undefined;
    const rest = best.target === '/' ? p : p.slice(best.target.length) || '/';
    return { mount: best, inner: joinPath(best.sub, rest) };
  }

  /** Resolves symlinks in the final component and in parents (bounded). */
  resolve(path: string): string {
    let p = normalizePath(path);
    for (let hops = 0; hops < 16; hops++) {
      const parts = p.split('/').filter(Boolean);
      let cur = '';
      let changed = false;
      for (let i = 0; i < parts.length; i++) {
        cur += `/${parts[i]}`;
        const loc = this.locate(cur);
        const e = loc?.mount.fs.stat(loc.inner);
        if (e?.type === 'symlink') {
          const target = e.content.startsWith('/') ? e.content : joinPath(dirname(cur), e.content);
          p = normalizePath(`${target}/${parts.slice(i + 1).join('/')}`);
          changed = true;
          break;
        }
      }
      if (!changed) return p;
    }
    return p;
  }

  stat(path: string): FileEntry | undefined {
    const p = this.resolve(path);
    // A mount point is a directory even if the lower file system lacks it.
    if (this.mounts.some((m) => m.target === p)) {
      const loc = this.locate(p);
      return loc?.mount.fs.stat(loc.inner) ?? dirEntry();
    }
    const loc = this.locate(p);
    return loc?.mount.fs.stat(loc.inner);
  }

  lstat(path: string): FileEntry | undefined {
    const p = normalizePath(path);
    const parent = this.resolve(dirname(p));
    const full = joinPath(parent, basename(p));
    const loc = this.locate(full);
    return loc?.mount.fs.stat(loc.inner) ?? (this.mounts.some((m) => m.target === full) ? dirEntry() : undefined);
  }

  list(path: string): string[] | undefined {
    const p = this.resolve(path);
    const loc = this.locate(p);
    if (!loc) return undefined;
    const own = loc.mount.fs.list(loc.inner);
    const childMounts = this.mounts
      .filter((m) => m.target !== p && dirname(m.target) === p)
      .map((m) => basename(m.target));
    if (!own && childMounts.length === 0) return undefined;
    return [...new Set([...(own ?? []), ...childMounts])].sort();
  }

  read(path: string, cred: FsCredentials): { content: string } | { error: FsError } {
    const e = this.stat(path);
    if (!e) return { error: 'ENOENT' };
    if (e.type === 'dir') return { error: 'EISDIR' };
    if (!canAccess(e, cred, 4)) return { error: 'EACCES' };
    if (e.ptraceUid !== undefined && !mayPtraceRead(cred, e.ptraceUid)) return { error: 'EACCES' };
    return { content: e.content };
  }

  write(
    path: string,
    content: string,
    cred: FsCredentials,
    opts: { append?: boolean; mode?: number } = {},
  ): { error: FsError } | undefined {
    const p = this.resolve(path);
    const loc = this.locate(p);
    if (!loc) return { error: 'ENOENT' };
    const parent = this.stat(dirname(p));
    if (!parent) return { error: 'ENOENT' };
    if (parent.type !== 'dir') return { error: 'ENOTDIR' };
    const existing = loc.mount.fs.stat(loc.inner);
    if (existing?.type === 'dir') return { error: 'EISDIR' };
    if (loc.mount.readOnly || !loc.mount.fs.write) return { error: 'EROFS' };
    if (existing ? !canAccess(existing, cred, 2) : !canAccess(parent, cred, 2)) return { error: 'EACCES' };
    loc.mount.fs.write(loc.inner, {
      type: 'file',
      content: opts.append && existing ? existing.content + content : content,
      mode: existing?.mode ?? opts.mode ?? 0o644,
      uid: existing?.uid ?? cred.uid,
      gid: existing?.gid ?? cred.gid,
      mtime: existing?.mtime ?? 0,
    });
    return undefined;
  }

  mkdir(path: string, cred: FsCredentials): { error: FsError } | undefined {
    const p = this.resolve(path);
    if (this.stat(p)) return { error: 'EEXIST' };
    const parent = this.stat(dirname(p));
    if (!parent) return { error: 'ENOENT' };
    const loc = this.locate(p);
    if (!loc || loc.mount.readOnly || !loc.mount.fs.write) return { error: 'EROFS' };
    if (!canAccess(parent, cred, 2)) return { error: 'EACCES' };
    loc.mount.fs.write(loc.inner, { type: 'dir', content: '', mode: 0o755, uid: cred.uid, gid: cred.gid, mtime: 0 });
    return undefined;
  }

  remove(path: string, cred: FsCredentials): { error: FsError } | undefined {
    const p = normalizePath(path);
    const e = this.lstat(p);
    if (!e) return { error: 'ENOENT' };
    const loc = this.locate(p);
    if (!loc || loc.mount.readOnly || !loc.mount.fs.remove) return { error: 'EROFS' };
    const parent = this.stat(dirname(p));
    if (parent && !canAccess(parent, cred, 2)) return { error: 'EACCES' };
    loc.mount.fs.remove(loc.inner);
    return undefined;
  }

  /**
   * The mounts seen below `path`, re-rooted at `target`: a recursive bind mount
   * (hostPath volumes are rbind) and, with target `/`, a chroot.
   */
  graft(path: string, target: string, readOnly = false): Mount[] {
    const p = this.resolve(path);
    const loc = this.locate(p);
    if (!loc) return [];
    const out: Mount[] = [
      { ...loc.mount, target: normalizePath(target), sub: loc.inner, readOnly: readOnly || loc.mount.readOnly },
    ];
    for (const m of this.mounts) {
      if (m.target !== p && isUnder(m.target, p)) {
        const rel = p === '/' ? m.target : m.target.slice(p.length);
        out.push({ ...m, target: joinPath(target, rel), readOnly: readOnly || m.readOnly });
      }
    }
    return out;
  }
}

/** Whether a path is a directory or lies beneath it. */
export function isUnder(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(`${dir}/`);
}

function depth(p: string): number {
  return p === '/' ? 0 : p.split('/').length - 1;
}

function dirEntry(): FileEntry {
  return { type: 'dir', content: '', mode: 0o755, uid: 0, gid: 0, mtime: 0 };
}

/** Unix permission check; `want` is 4 (read), 2 (write) or 1 (execute). */
export function canAccess(e: FileEntry, cred: FsCredentials, want: 4 | 2 | 1): boolean {
  if (cred.uid === 0 && cred.dacOverride) return want !== 1 || e.type === 'dir' || (e.mode & 0o111) !== 0;
  if (e.uid === cred.uid) return ((e.mode >> 6) & want) !== 0;
  if (e.gid === cred.gid || cred.groups.includes(e.gid)) return ((e.mode >> 3) & want) !== 0;
  return (e.mode & want) !== 0;
}

/** `-rw-r--r--` */
export function modeString(e: FileEntry): string {
  const t = e.type === 'dir' ? 'd' : e.type === 'symlink' ? 'l' : '-';
  const bits = 'rwxrwxrwx';
  let s = '';
  for (let i = 0; i < 9; i++) s += e.mode & (1 << (8 - i)) ? bits[i] : '-';
  return t + s;
}
