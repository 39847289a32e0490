import { emitOpen } from '../../syscalls.ts';
import { basename, dirname, type FileEntry, fsErrorText, joinPath, modeString } from '../../vfs.ts';
import { credentials } from '../context.ts';
import { globMatch } from '../glob.ts';
import type { CommandCtx, CommandTable } from '../interpreter.ts';
import { busybox, groupName, inputs, parseFlags, readFile, resolvePath, userName } from './util.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function lsDate(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

function lines(text: string): string[] {
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

function ls(ctx: CommandCtx): number {
  const { flags, rest } = parseFlags(ctx.argv.slice(1));
  const long = flags.has('l') || flags.has('n');
  const all = flags.has('a') || flags.has('A');
  const dirOnly = flags.has('d');
  const targets = rest.length ? rest : ['.'];
  let status = 0;
  const view = ctx.sys.view;
  const fmt = (name: string, e: FileEntry, full: string) => {
    if (!long) return name;
    const size =
      e.type === 'dir' ? 4096 : e.type === 'symlink' ? e.content.length : new TextEncoder().encode(e.content).length;
    const owner = flags.has('n') ? String(e.uid) : userName(ctx, e.uid);
    const group = flags.has('n') ? String(e.gid) : (groupName(ctx, e.gid) ?? String(e.gid));
    const link = e.type === 'symlink' ? ` -> ${e.content}` : '';
    void full;
    const mode = modeString(e).replace(/^(.{9})x$/, (m) => (e.mode & 0o1000 ? `${m.slice(0, 9)}t` : m));
    return busybox(ctx)
      ? `${mode}${String(e.type === 'dir' ? 2 : 1).padStart(5)} ${owner.padEnd(8)} ${group.padEnd(8)} ${String(size).padStart(9)} ${lsDate(e.mtime || ctx.sh.clock.now())} ${name}${link}`
      : `${mode} ${e.type === 'dir' ? 2 : 1} ${owner} ${group} ${String(size).padStart(5)} ${lsDate(e.mtime || ctx.sh.clock.now())} ${name}${link}`;
  };
  const fileOut: string[] = [];
  const dirOut: string[] = [];
  for (const t of targets) {
    const path = resolvePath(ctx, t);
    const e = view.lstat(path) ?? view.stat(path);
    if (!e) {
      ctx.err(
        busybox(ctx)
          ? `ls: ${t}: No such file or directory\n`
          : `ls: cannot access '${t}': No such file or directory\n`,
      );
      status = busybox(ctx) ? 1 : 2;
      continue;
    }
    const real = view.stat(path);
    if (real?.type !== 'dir' || dirOnly) {
      fileOut.push(fmt(t, e, path));
      continue;
    }
    if (
      !credentials(ctx.sys.sec).dacOverride &&
      !(real.uid === ctx.sys.sec.uid ? real.mode & 0o400 : real.mode & 0o004)
    ) {
      ctx.err(
        busybox(ctx)
          ? `ls: can't open '${t}': Permission denied\n`
          : `ls: cannot open directory '${t}': Permission denied\n`,
      );
      status = busybox(ctx) ? 1 : 2;
      continue;
    }
    const names = (view.list(path) ?? []).filter((n) => all || !n.startsWith('.'));
    if (flags.has('a')) names.unshift('.', '..');
    const entries = names.map((n) => {
      const full = n === '.' ? path : n === '..' ? dirname(path) : joinPath(path, n);
      return fmt(
        n,
        view.lstat(full) ?? view.stat(full) ?? { type: 'file', content: '', mode: 0, uid: 0, gid: 0, mtime: 0 },
        full,
      );
    });
    const header = targets.length > 1 ? `${t}:\n` : '';
    const total = long ? `total ${names.length * 4}\n` : '';
    dirOut.push(header + total + (entries.length ? `${entries.join('\n')}\n` : ''));
  }
  if (!long && ctx.sys.tty && !ctx.stdoutIsPipe) {
    // On a terminal ls prints names in columns, filled top to bottom.
    const toColumns = (names: string[]) => {
      if (!names.length) return '';
      const width = Math.max(...names.map((n) => n.length)) + 2;
      const cols = Math.max(1, Math.floor(80 / width));
      const rows = Math.ceil(names.length / cols);
      const out: string[] = [];
      for (let r = 0; r < rows; r++) {
        const row: string[] = [];
        for (let c = 0; c < cols; c++) {
          const n = names[c * rows + r];
          if (n !== undefined) row.push(n.padEnd(width));
        }
        out.push(row.join('').trimEnd());
      }
      return `${out.join('\n')}\n`;
    };
    for (let i = 0; i < dirOut.length; i++) {
      const [first, ...rest] = dirOut[i]!.split('\n');
      const hasHeader = first?.endsWith(':');
      const names = (hasHeader ? rest : [first ?? '', ...rest]).filter(Boolean);
      dirOut[i] = (hasHeader ? `${first}\n` : '') + toColumns(names);
    }
    if (fileOut.length) fileOut.splice(0, fileOut.length, toColumns(fileOut).trimEnd());
  }
  let out = fileOut.length ? `${fileOut.join('\n')}\n` : '';
  if (dirOut.length) out += (out ? '\n' : '') + dirOut.join('\n');
  ctx.out(out);
  return status;
}

function cat(ctx: CommandCtx): number {
  const { flags, rest } = parseFlags(ctx.argv.slice(1));
  const { texts, ok } = inputs(ctx, 'cat', rest);
  let out = texts.map((t) => t.text).join('');
  if (flags.has('n')) {
    out = lines(out)
      .map((l, i) => `${String(i + 1).padStart(6)}\t${l}`)
      .join('\n')
      .concat('\n');
  }
  ctx.out(out);
  return ok ? 0 : 1;
}

function headTail(ctx: CommandCtx, tail: boolean): number {
  const args = ctx.argv.slice(1).map((a) => (/^-\d+$/.test(a) ? `-n${a.slice(1)}` : a));
  const { values, rest, flags } = parseFlags(args, ['n', 'c', 'lines', 'bytes']);
  const nRaw = values.get('n') ?? values.get('lines') ?? '10';
  const { texts, ok } = inputs(ctx, tail ? 'tail' : 'head', rest);
  const multi = texts.length > 1;
  texts.forEach((t, i) => {
    if (multi) ctx.out(`${i ? '\n' : ''}==> ${t.name} <==\n`);
    if (values.has('c') || values.has('bytes')) {
      const c = Number(values.get('c') ?? values.get('bytes'));
      ctx.out(tail ? t.text.slice(-c) : t.text.slice(0, c));
      return;
    }
    const l = lines(t.text);
    let sel: string[];
    if (tail && nRaw.startsWith('+')) sel = l.slice(Number(nRaw.slice(1)) - 1);
    else {
      const n = Number(nRaw);
      sel = tail ? l.slice(Math.max(0, l.length - n)) : n < 0 ? l.slice(0, n) : l.slice(0, n);
    }
    if (sel.length) ctx.out(`${sel.join('\n')}\n`);
  });
  void flags;
  return ok ? 0 : 1;
}

function wc(ctx: CommandCtx): number {
  const { flags, rest } = parseFlags(ctx.argv.slice(1));
  const { texts, ok } = inputs(ctx, 'wc', rest);
  const pick = flags.size ? flags : new Set(['l', 'w', 'c']);
  const rows: string[] = [];
  const fmt = (l: number, w: number, c: number, name: string) => {
    const cols: number[] = [];
    if (pick.has('l')) cols.push(l);
    if (pick.has('w')) cols.push(w);
    if (pick.has('c') || pick.has('m')) cols.push(c);
    const width =
      cols.length === 1 && name === '' ? 0 : busybox(ctx) ? 7 : Math.max(...cols.map((x) => String(x).length), 1);
    return cols.map((x) => String(x).padStart(width)).join(busybox(ctx) ? ' ' : ' ') + (name ? ` ${name}` : '');
  };
  let tl = 0;
  let tw = 0;
  let tc = 0;
  for (const t of texts) {
    const l = (t.text.match(/\n/g) ?? []).length;
    const w = t.text.split(/\s+/).filter(Boolean).length;
    const c = new TextEncoder().encode(t.text).length;
    tl += l;
    tw += w;
    tc += c;
    rows.push(fmt(l, w, c, t.name === '-' ? '' : t.name));
  }
  if (texts.length > 1) rows.push(fmt(tl, tw, tc, 'total'));
  ctx.out(`${rows.join('\n')}\n`);
  return ok ? 0 : 1;
}

function grep(ctx: CommandCtx): number {
  const extended = ctx.argv[0] === 'egrep';
  const { flags, values, rest } = parseFlags(ctx.argv.slice(1), ['e', 'm', 'A', 'B', 'C']);
  // Every `-e PATTERN` counts (a line matching any of them matches), not only the last.
  const patterns = ctx.argv
    .slice(1)
    .flatMap((a, i, all) => (a === '-e' ? [all[i + 1] ?? ''] : a.startsWith('-e') && a.length > 2 ? [a.slice(2)] : []));
  if (values.has('e') && patterns.length === 0) patterns.push(values.get('e')!);
  const pattern = patterns.length > 0 ? patterns.join('\n') : rest.shift();
  if (pattern === undefined) {
    ctx.err('Usage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...\n');
    return 2;
  }
  const fixed = flags.has('F');
  const one = (p: string) => {
    let src = fixed ? p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : p;
    if (!fixed && !flags.has('E') && !extended) {
      // Basic regular expressions: \| \( \) \{ \} \+ \? are the operators, bare ones are literal.
      src = src.replace(/\\([|(){}+?])|([|(){}+?])/g, (_m, esc: string | undefined, bare: string | undefined) =>
        esc ? esc : `\\${bare}`,
      );
    }
    return src;
  };
  let src = patterns.length > 1 ? patterns.map((p) => `(?:${one(p)})`).join('|') : one(pattern);
  if (flags.has('w')) src = `\\b(?:${src})\\b`;
  if (flags.has('x')) src = `^(?:${src})$`;
  let re: RegExp;
  try {
    re = new RegExp(src, flags.has('i') ? 'gi' : 'g');
  } catch {
    ctx.err(`grep: bad regex '${pattern}'\n`);
    return 2;
  }
  let files = rest;
  if (flags.has('r') || flags.has('R')) {
    files = [];
    for (const f of rest.length ? rest : ['.'])
      files.push(
        ...walk(ctx, resolvePath(ctx, f), f).filter((p) => ctx.sys.view.stat(resolvePath(ctx, p))?.type === 'file'),
      );
  }
  const { texts, ok } = inputs(ctx, 'grep', files);
  const showName = flags.has('H') || (texts.length > 1 && !flags.has('h'));
  let matched = 0;
  const max = values.has('m') ? Number(values.get('m')) : Number.POSITIVE_INFINITY;
  for (const t of texts) {
    let count = 0;
    for (const [i, line] of lines(t.text).entries()) {
      if (count >= max) break;
      re.lastIndex = 0;
      const hit = re.test(line);
      if (hit === flags.has('v')) continue;
      count++;
      if (flags.has('q')) return 0;
      if (flags.has('l') || flags.has('c')) continue;
      const prefix = `${showName ? `${t.name}:` : ''}${flags.has('n') ? `${i + 1}:` : ''}`;
      if (flags.has('o') && !flags.has('v')) {
        re.lastIndex = 0;
        for (const m of line.matchAll(re)) if (m[0]) ctx.out(`${prefix}${m[0]}\n`);
      } else ctx.out(`${prefix}${line}\n`);
    }
    if (flags.has('l') && count) ctx.out(`${t.name}\n`);
    if (flags.has('c')) ctx.out(`${showName ? `${t.name}:` : ''}${count}\n`);
    matched += count;
  }
  if (!ok && !flags.has('s')) return 2;
  return matched ? 0 : 1;
}

function walk(ctx: CommandCtx, path: string, shown: string, depth = 0, max = 64, budget = { n: 0 }): string[] {
  const view = ctx.sys.view;
  const out = [shown];
  if (depth >= max || ++budget.n > 20000) return out;
  const e = view.lstat(path);
  if (e?.type !== 'dir' && !(e === undefined && view.stat(path)?.type === 'dir')) return out;
  if (shown !== '/' && (path === '/proc' || path.startsWith('/proc/')) && depth > 0 && /\/proc\/\d+$/.test(path))
    return out;
  for (const name of view.list(path) ?? []) {
    ctx.sh.step();
    out.push(
      ...walk(
        ctx,
        joinPath(path, name),
        shown.endsWith('/') ? `${shown}${name}` : `${shown}/${name}`,
        depth + 1,
        max,
        budget,
      ),
    );
  }
  return out;
}

function find(ctx: CommandCtx): number {
  const args = ctx.argv.slice(1);
  const roots: string[] = [];
  while (args.length && !args[0]!.startsWith('-') && args[0] !== '!' && args[0] !== '(') roots.push(args.shift()!);
  if (!roots.length) roots.push('.');
  const tests: Array<(p: string, e: FileEntry | undefined) => boolean> = [];
  let maxdepth = 64;
  let mindepth = 0;
  let negate = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = args[i + 1] ?? '';
    const neg = negate;
    negate = false;
    const push = (f: (p: string, e: FileEntry | undefined) => boolean) => tests.push(neg ? (p, e) => !f(p, e) : f);
    if (a === '!' || a === '-not') negate = true;
    else if (a === '-name' || a === '-iname') {
      push((p) => (a === '-iname' ? globMatch(v.toLowerCase(), basename(p).toLowerCase()) : globMatch(v, basename(p))));
      i++;
    } else if (a === '-path') {
      push((p) => globMatch(v, p));
      i++;
    } else if (a === '-type') {
      push((_p, e) =>
        v === 'f' ? e?.type === 'file' : v === 'd' ? e?.type === 'dir' : v === 'l' ? e?.type === 'symlink' : false,
      );
      i++;
    } else if (a === '-maxdepth') {
      maxdepth = Number(v);
      i++;
    } else if (a === '-mindepth') {
      mindepth = Number(v);
      i++;
    } else if (a === '-perm') {
      const want = Number.parseInt(v.replace(/^[-/]/, ''), 8);
      push(
        (_p, e) =>
          !!e &&
          (v.startsWith('-')
            ? (e.mode & want) === want
            : v.startsWith('/')
              ? (e.mode & want) !== 0
              : (e.mode & 0o7777) === want),
      );
      i++;
    } else if (a === '-user') {
      push((_p, e) => !!e && (userName(ctx, e.uid) === v || String(e.uid) === v));
      i++;
    } else if (a === '-writable')
      push(
        (p, e) =>
          !!e &&
          !ctx.sys.view.locate(resolvePath(ctx, p))?.mount.readOnly &&
          (ctx.sys.sec.uid === 0 || e.uid === ctx.sys.sec.uid),
      );
    else if (a === '-print' || a === '-xdev') {
      // default action / single file system: nothing to do
    } else if (a === '-exec' || a === '-size' || a === '-newer' || a === '-mtime') {
      while (i < args.length && args[i] !== ';' && args[i] !== '+') i++;
    } else {
      ctx.err(`find: unrecognized: ${a}\n`);
      return 1;
    }
  }
  let status = 0;
  for (const r of roots) {
    const root = resolvePath(ctx, r);
    if (!ctx.sys.view.lstat(root) && !ctx.sys.view.stat(root)) {
      ctx.err(busybox(ctx) ? `find: ${r}: No such file or directory\n` : `find: '${r}': No such file or directory\n`);
      status = 1;
      continue;
    }
    for (const p of walk(ctx, root, r, 0, maxdepth)) {
      const depth = p === r ? 0 : p.slice(r.length).split('/').filter(Boolean).length;
      if (depth < mindepth) continue;
      const e = ctx.sys.view.lstat(resolvePath(ctx, p)) ?? ctx.sys.view.stat(resolvePath(ctx, p));
      if (tests.every((t) => t(p, e))) ctx.out(`${p}\n`);
    }
  }
  return status;
}

function writeOp(ctx: CommandCtx, name: string, op: 'mkdir' | 'touch' | 'rm'): number {
  const { flags, rest } = parseFlags(ctx.argv.slice(1));
  if (!rest.length) {
    ctx.err(`${name}: missing operand\n`);
    return 1;
  }
  const cred = credentials(ctx.sys.sec);
  let status = 0;
  for (const f of rest) {
    const path = resolvePath(ctx, f);
    let err: { error: keyof typeof fsErrorText } | undefined;
    if (op === 'mkdir') {
      if (flags.has('p')) {
        let cur = '';
        for (const part of path.split('/').filter(Boolean)) {
          cur += `/${part}`;
          if (!ctx.sys.view.stat(cur)) {
            err = ctx.sys.view.mkdir(cur, cred);
            if (err) break;
          }
        }
      } else err = ctx.sys.view.mkdir(path, cred);
      if (err)
        ctx.err(
          busybox(ctx)
            ? `mkdir: can't create directory '${f}': ${fsErrorText[err.error]}\n`
            : `mkdir: cannot create directory ‘${f}’: ${fsErrorText[err.error]}\n`,
        );
    } else if (op === 'touch') {
      const e = ctx.sys.view.stat(path);
      err = e
        ? ctx.sys.view.locate(path)?.mount.readOnly
          ? { error: 'EROFS' }
          : undefined
        : ctx.sys.view.write(path, '', cred);
      if (err)
        ctx.err(
          busybox(ctx)
            ? `touch: ${f}: ${fsErrorText[err.error]}\n`
            : `touch: cannot touch '${f}': ${fsErrorText[err.error]}\n`,
        );
    } else {
      const e = ctx.sys.view.lstat(path);
      if (!e) {
        if (flags.has('f')) continue;
        err = { error: 'ENOENT' };
      } else if (e.type === 'dir' && !flags.has('r') && !flags.has('R')) {
        ctx.err(busybox(ctx) ? `rm: '${f}' is a directory\n` : `rm: cannot remove '${f}': Is a directory\n`);
        status = 1;
        continue;
      } else err = ctx.sys.view.remove(path, cred);
      if (err)
        ctx.err(
          busybox(ctx)
            ? `rm: can't remove '${f}': ${fsErrorText[err.error]}\n`
            : `rm: cannot remove '${f}': ${fsErrorText[err.error]}\n`,
        );
    }
    if (err) status = 1;
  }
  return status;
}

function cp(ctx: CommandCtx): number {
  const { rest } = parseFlags(ctx.argv.slice(1));
  if (rest.length < 2) {
    ctx.err('cp: missing destination file operand\n');
    return 1;
  }
  const dest = rest.pop()!;
  const destPath = resolvePath(ctx, dest);
  const destIsDir = ctx.sys.view.stat(destPath)?.type === 'dir';
  let status = 0;
  for (const src of rest) {
    const r = readFile(ctx, src);
    if ('error' in r) {
      ctx.err(
        busybox(ctx)
          ? `cp: can't stat '${src}': ${fsErrorText[r.error]}\n`
          : `cp: cannot stat '${src}': ${fsErrorText[r.error]}\n`,
      );
      status = 1;
      continue;
    }
    const target = destIsDir ? joinPath(destPath, basename(src)) : destPath;
    const err = ctx.sys.view.write(target, r.content, credentials(ctx.sys.sec));
    emitOpen(ctx.sys, ctx.proc, target, { write: true }, err?.error);
    // The copy is the same program (a copied busybox is still busybox), whatever it is called now.
    const program = ctx.sys.view.stat(resolvePath(ctx, src))?.program;
    const copy = err ? undefined : ctx.sys.view.stat(target);
    if (copy && program) copy.program = program;
    if (err) {
      ctx.err(
        busybox(ctx)
          ? `cp: can't create '${dest}': ${fsErrorText[err.error]}\n`
          : `cp: cannot create regular file '${dest}': ${fsErrorText[err.error]}\n`,
      );
      status = 1;
    }
  }
  return status;
}

function chmod(ctx: CommandCtx): number {
  const [mode, ...files] = ctx.argv.slice(1).filter((a) => a !== '-R');
  if (!mode || !files.length) {
    ctx.err('chmod: missing operand\n');
    return 1;
  }
  let status = 0;
  for (const f of files) {
    const path = resolvePath(ctx, f);
    const loc = ctx.sys.view.locate(path);
    const e = ctx.sys.view.stat(path);
    if (!e || !loc) {
      ctx.err(`chmod: ${f}: No such file or directory\n`);
      status = 1;
      continue;
    }
    if (loc.mount.readOnly || !loc.mount.fs.write) {
      ctx.err(`chmod: ${f}: Read-only file system\n`);
      status = 1;
      continue;
    }
    if (ctx.sys.sec.uid !== 0 && e.uid !== ctx.sys.sec.uid) {
      ctx.err(`chmod: ${f}: Operation not permitted\n`);
      status = 1;
      continue;
    }
    let m = e.mode;
    if (/^[0-7]+$/.test(mode)) m = Number.parseInt(mode, 8);
    else {
      const sym = mode.match(/^([ugoa]*)([+-=])([rwxst]*)$/);
      if (sym) {
        const who = sym[1] || 'a';
        let bits = 0;
        for (const p of sym[3]!) {
          const b = p === 'r' ? 4 : p === 'w' ? 2 : p === 'x' ? 1 : 0;
          if (who.includes('u') || who.includes('a')) bits |= b << 6;
          if (who.includes('g') || who.includes('a')) bits |= b << 3;
          if (who.includes('o') || who.includes('a')) bits |= b;
          if (p === 's') bits |= who.includes('g') ? 0o2000 : 0o4000;
        }
        m = sym[2] === '+' ? m | bits : sym[2] === '-' ? m & ~bits : bits;
      }
    }
    loc.mount.fs.write(loc.inner, { ...e, mode: m });
  }
  return status;
}

function stat(ctx: CommandCtx): number {
  const { rest } = parseFlags(ctx.argv.slice(1), ['c']);
  let status = 0;
  for (const f of rest) {
    const e = ctx.sys.view.stat(resolvePath(ctx, f));
    if (!e) {
      ctx.err(`stat: can't stat '${f}': No such file or directory\n`);
      status = 1;
      continue;
    }
    const size = e.type === 'dir' ? 4096 : new TextEncoder().encode(e.content).length;
    ctx.out(
      `  File: ${f}\n  Size: ${size}\t\tBlocks: ${Math.ceil(size / 512)}          IO Block: 4096   ${e.type === 'dir' ? 'directory' : 'regular file'}\nAccess: (${(e.mode & 0o7777).toString(8).padStart(4, '0')}/${modeString(e)})  Uid: (${String(e.uid).padStart(5)}/${userName(ctx, e.uid).padStart(8)})   Gid: (${String(e.gid).padStart(5)}/${(groupName(ctx, e.gid) ?? 'UNKNOWN').padStart(8)})\n`,
    );
  }
  return status;
}

function cut(ctx: CommandCtx): number {
  const { values, rest } = parseFlags(ctx.argv.slice(1), ['d', 'f', 'c']);
  const { texts, ok } = inputs(ctx, 'cut', rest);
  const ranges = (spec: string) => (i: number) =>
    spec.split(',').some((r) => {
      const [a, b] = r.split('-');
      const lo = a ? Number(a) : 1;
      const hi = r.includes('-') ? (b ? Number(b) : Number.POSITIVE_INFINITY) : lo;
      return i >= lo && i <= hi;
    });
  for (const t of texts) {
    for (const line of lines(t.text)) {
      if (values.has('c')) {
        const sel = ranges(values.get('c')!);
        ctx.out(`${[...line].filter((_, i) => sel(i + 1)).join('')}\n`);
      } else {
        const d = values.get('d') ?? '\t';
        const sel = ranges(values.get('f') ?? '1');
        const parts = line.split(d);
        ctx.out(`${parts.length === 1 ? line : parts.filter((_, i) => sel(i + 1)).join(d)}\n`);
      }
    }
  }
  return ok ? 0 : 1;
}

function sort(ctx: CommandCtx): number {
  const { flags, rest } = parseFlags(ctx.argv.slice(1));
  const { texts, ok } = inputs(ctx, 'sort', rest);
  let all = texts.flatMap((t) => lines(t.text));
  all.sort(
    flags.has('n') ? (a, b) => Number.parseFloat(a) - Number.parseFloat(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  );
  if (flags.has('r')) all.reverse();
  if (flags.has('u')) all = [...new Set(all)];
  if (all.length) ctx.out(`${all.join('\n')}\n`);
  return ok ? 0 : 1;
}

function uniq(ctx: CommandCtx): number {
  const { flags, rest } = parseFlags(ctx.argv.slice(1));
  const { texts, ok } = inputs(ctx, 'uniq', rest);
  const out: Array<[string, number]> = [];
  for (const l of lines(texts.map((t) => t.text).join(''))) {
    const last = out[out.length - 1];
    if (last && last[0] === l) last[1]++;
    else out.push([l, 1]);
  }
  for (const [l, n] of out) ctx.out(flags.has('c') ? `${String(n).padStart(7)} ${l}\n` : `${l}\n`);
  return ok ? 0 : 1;
}

function tr(ctx: CommandCtx): number {
  const { flags, rest } = parseFlags(ctx.argv.slice(1));
  const expand = (s: string) =>
    s
      .replace(/\[:upper:\]/g, 'A-Z')
      .replace(/\[:lower:\]/g, 'a-z')
      .replace(/\[:digit:\]/g, '0-9')
      .replace(/\[:space:\]/g, ' \t\n')
      .replace(/\\n/g, '\n')
      .replace(/\\t/g, '\t')
      // Octal escapes, as busybox and coreutils read them: `tr '\0' '\n'` splits /proc/PID/environ.
      .replace(/\\([0-7]{1,3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)))
      .replace(/(.)-(.)/g, (_, a: string, b: string) => {
        let o = '';
        for (let c = a.charCodeAt(0); c <= b.charCodeAt(0); c++) o += String.fromCharCode(c);
        return o;
      });
  const from = expand(rest[0] ?? '');
  const to = expand(rest[1] ?? '');
  let out = '';
  for (const ch of ctx.stdin) {
    const i = from.indexOf(ch);
    if (flags.has('d')) {
      if (i < 0) out += ch;
    } else out += i < 0 ? ch : (to[Math.min(i, to.length - 1)] ?? '');
  }
  ctx.out(out);
  return 0;
}

function base64(ctx: CommandCtx): number {
  const { flags, rest } = parseFlags(ctx.argv.slice(1));
  const { texts, ok } = inputs(ctx, 'base64', rest);
  const text = texts.map((t) => t.text).join('');
  if (flags.has('d') || flags.has('decode')) {
    try {
      const bin = atob(text.replace(/\s+/g, ''));
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      ctx.out(new TextDecoder().decode(bytes));
    } catch {
      ctx.err('base64: invalid input\n');
      return 1;
    }
    return ok ? 0 : 1;
  }
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  const enc = btoa(bin);
  ctx.out(`${(enc.match(/.{1,76}/g) ?? ['']).join('\n')}\n`);
  return ok ? 0 : 1;
}

/** The file utilities (ls, cat, cp, chmod, ...) of the simulated shell. */
export const fileCommands: CommandTable = {
  ls,
  cat,
  head: (ctx) => headTail(ctx, false),
  tail: (ctx) => headTail(ctx, true),
  wc,
  grep,
  egrep: grep,
  find,
  mkdir: (ctx) => writeOp(ctx, 'mkdir', 'mkdir'),
  touch: (ctx) => writeOp(ctx, 'touch', 'touch'),
  rm: (ctx) => writeOp(ctx, 'rm', 'rm'),
  cp,
  chmod,
  stat,
  cut,
  sort,
  uniq,
  tr,
  base64,
  basename: (ctx) => {
    const n = basename(ctx.argv[1] ?? '');
    const suffix = ctx.argv[2];
    ctx.out(`${suffix && n.endsWith(suffix) ? n.slice(0, -suffix.length) : n}\n`);
    return 0;
  },
  dirname: (ctx) => {
    ctx.out(`${dirname(ctx.argv[1] ?? '.')}\n`);
    return 0;
  },
};
