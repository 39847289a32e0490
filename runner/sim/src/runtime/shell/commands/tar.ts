import { basename, dirname, fsErrorText, joinPath, normalizePath } from '../../vfs.ts';
import { credentials } from '../context.ts';
import type { CommandCtx, CommandTable } from '../interpreter.ts';
import { resolvePath } from './util.ts';

/**
 * tar (ustar), enough for `kubectl cp`: `tar cf - PATH` out of a pod and
 * `tar -xmf - -C DIR` into one. Archives travel as text, so file contents must be
 * UTF-8 (binary files are not supported by the simulator).
 */
const enc = new TextEncoder();
const dec = new TextDecoder();

function header(
  name: string,
  size: number,
  mode: number,
  type: '0' | '5',
  mtime: number,
  uid: number,
  gid: number,
): string {
  const field = (v: string, len: number) => v.slice(0, len).padEnd(len, '\0');
  const octal = (n: number, len: number) => `${n.toString(8).padStart(len - 1, '0')}\0`;
  let h =
    field(name, 100) +
    octal(mode & 0o7777, 8) +
    octal(uid, 8) +
    octal(gid, 8) +
    octal(size, 12) +
    octal(Math.floor(mtime / 1000), 12) +
    '        ' +
    type +
    field('', 100) +
    field('ustar', 6) +
    '00' +
    field('root', 32) +
    field('root', 32) +
    field('', 8) +
    field('', 8) +
    field('', 155) +
    field('', 12);
  let sum = 0;
  for (let i = 0; i < h.length; i++) sum += h.charCodeAt(i);
  h = `${h.slice(0, 148)}${sum.toString(8).padStart(6, '0')}\0 ${h.slice(156)}`;
  return h;
}

const pad = (bytes: number) => '\0'.repeat((512 - (bytes % 512)) % 512);

/** An entry of {@link ustarArchive}. */
export interface TarEntry {
  name: string;
  content: string;
  mode: number;
  uid: number;
  gid: number;
  directory?: boolean;
  mtime: number;
}

/** A ustar archive of these entries, as text (how the simulator's pipes carry archives). */
export function ustarArchive(entries: TarEntry[]): string {
  let archive = '';
  for (const e of entries) {
    const name = e.name.replace(/^\/+/, '');
    if (e.directory) archive += header(`${name.replace(/\/$/, '')}/`, 0, e.mode, '5', e.mtime, e.uid, e.gid);
    else {
      const size = enc.encode(e.content).length;
      archive += header(name, size, e.mode, '0', e.mtime, e.uid, e.gid) + e.content + pad(size);
    }
  }
  return archive + '\0'.repeat(1024);
}

function create(ctx: CommandCtx, paths: string[], cwd: string, verbose: boolean): { archive: string; ok: boolean } {
  let archive = '';
  let ok = true;
  const cred = credentials(ctx.sys.sec);
  const add = (full: string, name: string, depth: number) => {
    ctx.sh.step();
    const e = ctx.sys.view.stat(full);
    if (!e) {
      ctx.err(`tar: ${name}: Cannot stat: No such file or directory\n`);
      ok = false;
      return;
    }
    if (e.type === 'dir') {
      archive += header(`${name.replace(/\/$/, '')}/`, 0, e.mode, '5', e.mtime, e.uid, e.gid);
      if (verbose) ctx.err(`${name}/\n`);
      if (depth > 32) return;
      for (const child of ctx.sys.view.list(full) ?? [])
        add(joinPath(full, child), `${name.replace(/\/$/, '')}/${child}`, depth + 1);
      return;
    }
    const r = ctx.sys.view.read(full, cred);
    if ('error' in r) {
      ctx.err(`tar: ${name}: Cannot open: ${fsErrorText[r.error]}\n`);
      ok = false;
      return;
    }
    const size = enc.encode(r.content).length;
    archive += header(name, size, e.mode, '0', e.mtime, e.uid, e.gid) + r.content + pad(size);
    if (verbose) ctx.err(`${name}\n`);
  };
  for (const p of paths) add(normalizePath(p, cwd), p.replace(/^\/+/, ''), 0);
  archive += '\0'.repeat(1024);
  return { archive, ok };
}

function extract(ctx: CommandCtx, archive: string, dest: string, list: boolean, verbose: boolean): boolean {
  const bytes = enc.encode(archive);
  const cred = credentials(ctx.sys.sec);
  let off = 0;
  let ok = true;
  while (off + 512 <= bytes.length) {
    ctx.sh.step();
    const h = bytes.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, b: number) => dec.decode(h.subarray(a, b)).replace(/\0.*$/s, '');
    const name = str(0, 100);
    const size = Number.parseInt(str(124, 136).trim() || '0', 8);
    const mode = Number.parseInt(str(100, 108).trim() || '644', 8);
    const type = String.fromCharCode(h[156] ?? 48);
    const content = dec.decode(bytes.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
    if (list || verbose) ctx.out(`${name}\n`);
    if (list) continue;
    const target = joinPath(dest, name);
    if (type === '5') {
      if (!ctx.sys.view.stat(target)) {
        const err = mkdirs(ctx, target);
        if (err) {
          ctx.err(`tar: can't create directory '${name}': ${err}\n`);
          ok = false;
        }
      }
      continue;
    }
    if (!ctx.sys.view.stat(dirname(target))) mkdirs(ctx, dirname(target));
    const err = ctx.sys.view.write(target, content, cred, { mode });
    if (err) {
      ctx.err(`tar: can't open '${name}': ${fsErrorText[err.error]}\n`);
      ok = false;
    }
  }
  return ok;
}

function mkdirs(ctx: CommandCtx, path: string): string | undefined {
  let cur = '';
  for (const part of path.split('/').filter(Boolean)) {
    cur += `/${part}`;
    if (ctx.sys.view.stat(cur)) continue;
    const err = ctx.sys.view.mkdir(cur, credentials(ctx.sys.sec));
    if (err) return fsErrorText[err.error];
  }
  return undefined;
}

function tar(ctx: CommandCtx): number {
  const args = ctx.argv.slice(1);
  let mode: 'c' | 'x' | 't' | undefined;
  let file: string | undefined;
  let dir = ctx.sh.cwd;
  let verbose = false;
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-C' || a === '--directory') {
      dir = resolvePath(ctx, args[++i] ?? '.');
      continue;
    }
    if (a === '--no-same-permissions' || a === '--no-same-owner') continue;
    const letters =
      i === 0 && !a.startsWith('-') ? a : a.startsWith('-') && !a.startsWith('--') ? a.slice(1) : undefined;
    if (letters === undefined) {
      paths.push(a);
      continue;
    }
    for (let j = 0; j < letters.length; j++) {
      const f = letters[j]!;
      if (f === 'c' || f === 'x' || f === 't') mode = f;
      else if (f === 'v') verbose = true;
      else if (f === 'f') {
        file = letters.slice(j + 1) || args[++i];
        break;
      } else if (f === 'z' || f === 'j' || f === 'J') {
        ctx.err('tar: compression is not simulated\n');
        return 1;
      }
    }
  }
  if (!mode) {
    ctx.err('tar: must specify one of -c, -t, -x\n');
    return 1;
  }
  if (mode === 'c') {
    if (!paths.length) {
      ctx.err('tar: empty archive\n');
      return 1;
    }
    const { archive, ok } = create(ctx, paths, dir, verbose);
    if (!file || file === '-') ctx.out(archive);
    else {
      const err = ctx.sys.view.write(resolvePath(ctx, file), archive, credentials(ctx.sys.sec));
      if (err) {
        ctx.err(`tar: can't open '${file}': ${fsErrorText[err.error]}\n`);
        return 1;
      }
    }
    return ok ? 0 : 1;
  }
  let archive = ctx.stdin;
  if (file && file !== '-') {
    const r = ctx.sys.view.read(resolvePath(ctx, file), credentials(ctx.sys.sec));
    if ('error' in r) {
      ctx.err(`tar: can't open '${file}': ${fsErrorText[r.error]}\n`);
      return 1;
    }
    archive = r.content;
  }
  void basename;
  return extract(ctx, archive, dir, mode === 't', verbose) ? 0 : 1;
}

/** `tar`, which `kubectl cp` runs in the container. */
export const tarCommands: CommandTable = { tar };
