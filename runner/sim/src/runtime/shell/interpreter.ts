import type { Clock } from '../../clock.ts';
import { allocPid } from '../node-host.ts';
import { emitExecve, emitOpen, writtenAfterStart } from '../syscalls.ts';
import type { Proc } from '../types.ts';
import { basename, canAccess, fsErrorText, normalizePath } from '../vfs.ts';
import type { AndOr, Command, List, Pipeline, Redir, Word } from './ast.ts';
import { credentials, DEFAULT_LIMITS, ExitSignal, LimitExceeded, type Limits, type Sys } from './context.ts';
import { globMatch, globToRegExp } from './glob.ts';
import { parse } from './parser.ts';

/** A command's standard input and the writers of its output. */
export interface CommandIO {
  stdin: string;
  out(s: string): void;
  err(s: string): void;
  /** stdout goes into a pipe or a file, not the terminal. */
  stdoutIsPipe: boolean;
  /** stdin is the session's terminal (an interactive shell may take it over). */
  stdinIsTerminal?: boolean;
  /** stdout feeds the next command of a pipeline (its reader may stop early, as with SIGPIPE). */
  inPipeline?: boolean;
}

/** An interactive session: a shell started at the prompt becomes the one that reads the next lines. */
export interface ShellSession {
  push(shell: Shell): void;
}

/** What a command runs with: its arguments, I/O, the shell and the system it acts on. */
export interface CommandCtx extends CommandIO {
  sh: Shell;
  sys: Sys;
  /** The process running the command (its own, or the shell's for a builtin-like exec). */
  proc: Proc;
  argv: string[];
  /** The environment the command gets (exported variables plus prefix assignments). */
  env: Map<string, string>;
}

/** A shell command's implementation; it returns the exit status. */
export type CommandFn = (ctx: CommandCtx) => Promise<number> | number;

/** Looks a command up by name; the registry lives in ./commands. */
export type CommandTable = Record<string, CommandFn>;

let commandTable: CommandTable = {};
/** Installs the command implementations (called once by ./commands/index.ts). */
export function registerCommands(table: CommandTable): void {
  commandTable = { ...commandTable, ...table };
}

/** What a shell is started with: the system it acts on, its environment, directory, clock and limits. */
export interface ShellOptions {
  sys: Sys;
  env: string[];
  cwd: string;
  clock: Clock;
  limits?: Partial<Limits>;
  /** `sh` (busybox ash or dash) or `bash`: error wording and prompt. */
  name?: string;
  args?: string[];
}

/** A shell: variables, cwd and the bounds shared by everything it runs. */
export class Shell {
  sys: Sys;
  vars = new Map<string, string>();
  exported = new Set<string>();
  cwd: string;
  lastStatus = 0;
  readonly limits: Limits;
  readonly clock: Clock;
  name: string;
  args: string[];
  steps = 0;
  output = 0;
  depth = 0;
  aborted = false;
  /** Steps since the last sleep: a main process that spins is CPU-bound, not scripted. */
  busySteps = 0;
  private pendingSleep?: () => void;
  session?: ShellSession;
  /** Runs as a container's main process: sleeps are real waits, not bounded. */
  mainProcess = false;
  /** `set -e`: a failing command ends the shell, except where POSIX ignores it (see execAndOr). */
  errexit = false;
  /** How deep in an `if`/`while` condition the shell is: `set -e` is ignored there. */
  private conditionDepth = 0;

  constructor(opts: ShellOptions) {
    this.sys = opts.sys;
    this.cwd = opts.cwd;
    this.clock = opts.clock;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.name = opts.name ?? 'sh';
    this.args = opts.args ?? [];
    for (const kv of opts.env) {
      const i = kv.indexOf('=');
      const k = i < 0 ? kv : kv.slice(0, i);
      this.vars.set(k, i < 0 ? '' : kv.slice(i + 1));
      this.exported.add(k);
    }
    if (!this.vars.has('PATH')) {
      this.vars.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
      this.exported.add('PATH');
    }
    this.vars.set('PWD', this.cwd);
    this.exported.add('PWD');
  }

  /** A copy for a subshell or command substitution: same bounds, own variables. */
  fork(): Shell {
    const s = new Shell({
      sys: this.sys,
      env: [],
      cwd: this.cwd,
      clock: this.clock,
      limits: this.limits,
      name: this.name,
      args: this.args,
    });
    s.vars = new Map(this.vars);
    s.exported = new Set(this.exported);
    s.lastStatus = this.lastStatus;
    s.depth = this.depth + 1;
    s.counter = this.counter;
    s.mainProcess = this.mainProcess;
    s.errexit = this.errexit;
    s.conditionDepth = this.conditionDepth;
    s.stderrSink = this.stderrSink;
    return s;
  }

  /** Shared counters between a shell and its forks (one budget per exec). */
  counter = { steps: 0, output: 0 };

  exportedEnv(): Map<string, string> {
    const env = new Map<string, string>();
    for (const k of this.exported) {
      const v = this.vars.get(k);
      if (v !== undefined) env.set(k, v);
    }
    return env;
  }

  /** `sh: x: not found` in busybox wording, `bash: x: command not found` in bash's. */
  errPrefix(): string {
    return this.name === 'bash' ? 'bash: ' : 'sh: ';
  }

  step(): void {
    this.counter.steps++;
    this.busySteps++;
    if (this.aborted) throw new LimitExceeded('');
    if (this.counter.steps > this.limits.maxSteps) {
      throw new LimitExceeded(
        `${this.name}: stopped after ${this.limits.maxSteps} commands (the simulator bounds every exec)`,
      );
    }
  }

  countOutput(n: number): void {
    this.counter.output += n;
    if (this.counter.output > this.limits.maxOutput) {
      throw new LimitExceeded(`${this.name}: output limit of ${this.limits.maxOutput} bytes reached, command stopped`);
    }
  }

  /** Stops what runs now (Ctrl-C, disconnect). */
  interrupt(): void {
    this.aborted = true;
    this.pendingSleep?.();
  }

  sleep(ms: number): Promise<void> {
    this.busySteps = 0;
    const bounded = this.mainProcess ? Math.max(0, ms) : Math.min(Math.max(0, ms), this.limits.maxSleepMs);
    if (!Number.isFinite(bounded)) return new Promise(() => undefined);
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        this.pendingSleep = undefined;
        cancel();
        resolve();
      };
      const cancel = this.clock.setTimer(bounded, finish);
      this.pendingSleep = finish;
    });
  }

  /** Parses and runs a program; a syntax error is printed, never thrown. */
  async run(src: string, io: CommandIO): Promise<number> {
    const parsed = parse(src);
    if (!parsed.ok) {
      io.err(`${this.errPrefix()}${parsed.error}\n`);
      this.lastStatus = 2;
      return 2;
    }
    return this.execList(parsed.list, io);
  }

  /** Runs a whole script as `sh -c` does: `exit` ends it with its code. */
  async runScript(src: string, io: CommandIO): Promise<number> {
    try {
      return await this.run(src, io);
    } catch (e) {
      if (e instanceof ExitSignal) return e.code;
      throw e;
    }
  }

  async execList(list: List, io: CommandIO): Promise<number> {
    let status = this.lastStatus;
    for (const item of list) status = await this.execAndOr(item, io);
    return status;
  }

  private async execAndOr(item: AndOr, io: CommandIO): Promise<number> {
    let status = await this.execPipeline(item.first, io);
    let last = item.first;
    for (const { op, pipeline } of item.rest) {
      if ((op === '&&' && status === 0) || (op === '||' && status !== 0)) {
        status = await this.execPipeline(pipeline, io);
        last = pipeline;
      }
    }
    this.lastStatus = status;
    // POSIX `set -e`: ignored in an if/while condition, for a `!` pipeline, and for any command of
    // an AND-OR list but the last (so `false || true` and `false && x` go on; `x || false` exits).
    const lastOfList = item.rest.length === 0 ? last === item.first : last === item.rest.at(-1)?.pipeline;
    if (this.errexit && status !== 0 && this.conditionDepth === 0 && !last.negate && lastOfList) {
      throw new ExitSignal(status);
    }
    return status;
  }

  /** Runs an if/while condition, where `set -e` does not apply. */
  private async execCondition(list: List, io: CommandIO): Promise<number> {
    this.conditionDepth++;
    try {
      return await this.execList(list, io);
    } finally {
      this.conditionDepth--;
    }
  }

  private async execPipeline(p: Pipeline, io: CommandIO): Promise<number> {
    let stdin = io.stdin;
    let status = 0;
    for (let i = 0; i < p.commands.length; i++) {
      const last = i === p.commands.length - 1;
      let buf = '';
      const stageIo: CommandIO = last
        ? { ...io, stdin, stdinIsTerminal: i === 0 && io.stdinIsTerminal, inPipeline: false }
        : {
            stdinIsTerminal: i === 0 && io.stdinIsTerminal,
            stdin,
            out: (s) => {
              this.countOutput(s.length);
              buf += s;
            },
            err: io.err,
            stdoutIsPipe: true,
            inPipeline: true,
          };
      status = await this.execCommand(p.commands[i]!, stageIo);
      stdin = buf;
    }
    if (p.negate) status = status === 0 ? 1 : 0;
    this.lastStatus = status;
    return status;
  }

  private async execCommand(c: Command, io: CommandIO): Promise<number> {
    this.step();
    // Let the server breathe: a long script yields to the event loop every so often.
    if (this.counter.steps % 500 === 0) await new Promise<void>((resolve) => this.clock.setTimer(0, resolve));
    const redirected = await this.applyRedirs(c.redirs, io);
    if (typeof redirected === 'number') return redirected;
    try {
      switch (c.t) {
        case 'simple':
          return await this.execSimple(c, redirected.io);
        case 'if': {
          for (const clause of c.clauses) {
            if ((await this.execCondition(clause.cond, redirected.io)) === 0)
              return await this.execList(clause.body, redirected.io);
          }
          return c.otherwise ? await this.execList(c.otherwise, redirected.io) : 0;
        }
        case 'for': {
          const items = c.items ? await this.expandWords(c.items) : this.args;
          let status = 0;
          for (const v of items) {
            this.step();
            this.vars.set(c.name, v);
            status = await this.execList(c.body, redirected.io);
          }
          return status;
        }
        case 'while': {
          let status = 0;
          for (;;) {
            this.step();
            const cond = await this.execCondition(c.cond, redirected.io);
            if ((cond === 0) === c.until) break;
            status = await this.execList(c.body, redirected.io);
          }
          return status;
        }
        case 'group': {
          if (!c.subshell) return await this.execList(c.body, redirected.io);
          const sub = this.fork();
          try {
            return await sub.execList(c.body, redirected.io);
          } catch (e) {
            if (e instanceof ExitSignal) return e.code;
            throw e;
          }
        }
      }
    } finally {
      redirected.flush();
    }
  }

  /** Applies redirections in order; returns the new io and a flush for files, or an exit status on error. */
  private async applyRedirs(redirs: Redir[], io: CommandIO): Promise<{ io: CommandIO; flush: () => void } | number> {
    if (!redirs.length) return { io, flush: () => undefined };
    const fds: Record<number, ((s: string) => void) | undefined> = { 1: io.out, 2: io.err };
    let stdin = io.stdin;
    let pipe = io.stdoutIsPipe;
    let terminal = io.stdinIsTerminal;
    const files: Array<{ path: string; append: boolean; data: string[] }> = [];
    const cred = credentials(this.sys.sec);
    for (const r of redirs) {
      const target = (await this.expandWord(r.target, false)).join(' ');
      if (r.op === '>&' || r.op === '<&') {
        if (target === '-') fds[r.fd] = () => undefined;
        else if (/^\d+$/.test(target)) fds[r.fd] = fds[Number(target)] ?? (() => undefined);
        else {
          io.err(`${this.errPrefix()}${target}: bad file descriptor\n`);
          return 1;
        }
        continue;
      }
      if (r.op === '<<<') {
        terminal = false;
        stdin = `${target}\n`;
        continue;
      }
      const path = normalizePath(target, this.cwd);
      if (r.op === '<') {
        terminal = false;
        if (path === '/dev/null') stdin = '';
        else {
          const res = this.sys.view.read(path, cred);
          emitOpen(this.sys, this.sys.self, path, { read: true }, 'error' in res ? res.error : undefined);
          if ('error' in res) {
            io.err(`${this.errPrefix()}can't open '${target}': ${fsErrorText[res.error]}\n`);
            return 1;
          }
          stdin = res.content;
        }
        continue;
      }
      if (path === '/dev/null') {
        fds[r.fd] = () => undefined;
        continue;
      }
      if (path === '/dev/stdout' || path === '/dev/tty') {
        fds[r.fd] = io.out;
        continue;
      }
      if (path === '/dev/stderr') {
        fds[r.fd] = io.err;
        continue;
      }
      const check = this.sys.view.write(path, '', cred, { append: true });
      emitOpen(this.sys, this.sys.self, path, { write: true }, check?.error);
      if (check) {
        io.err(
          this.name === 'bash'
            ? `bash: ${target}: ${fsErrorText[check.error]}\n`
            : `${this.errPrefix()}can't create ${target}: ${fsErrorText[check.error]}\n`,
        );
        return 1;
      }
      const file = { path, append: r.op === '>>', data: [] as string[] };
      files.push(file);
      fds[r.fd] = (s) => {
        this.countOutput(s.length);
        file.data.push(s);
      };
      if (r.fd === 1) pipe = true;
    }
    const out = fds[1] ?? (() => undefined);
    const err = fds[2] ?? (() => undefined);
    return {
      io: { stdin, out, err, stdoutIsPipe: pipe, stdinIsTerminal: terminal },
      flush: () => {
        for (const f of files) this.sys.view.write(f.path, f.data.join(''), cred, { append: f.append });
      },
    };
  }

  private async execSimple(c: Command & { t: 'simple' }, io: CommandIO): Promise<number> {
    const argv = await this.expandWords(c.words);
    const assigns: Array<[string, string]> = [];
    for (const a of c.assigns) assigns.push([a.name, (await this.expandWord(a.value, false)).join(' ')]);
    if (!argv.length) {
      for (const [k, v] of assigns) this.vars.set(k, v);
      return this.lastStatus === undefined ? 0 : 0;
    }
    const env = this.exportedEnv();
    for (const [k, v] of assigns) env.set(k, v);
    return this.runCommand(argv, io, env);
  }

  /** Runs argv as the shell would after expansion: builtins, then $PATH. */
  async runCommand(argv: string[], io: CommandIO, env = this.exportedEnv(), asSelf = false): Promise<number> {
    const name = argv[0]!;
    const builtin = this.builtin(name);
    if (builtin) return builtin(argv, io);
    const resolved = this.lookup(name, env);
    if (!resolved.ok) {
      io.err(resolved.message);
      return resolved.code;
    }
    const program = this.programOf(resolved.path, argv);
    if (program.script !== undefined) return this.runScriptFile(resolved.path, program.script, argv, io, env);
    const impl = program.name === undefined ? undefined : commandTable[program.name];
    // The kernel runs the file whatever the simulator knows of it, so an agent sees the execve.
    const proc = asSelf ? undefined : this.spawn(argv, env, resolved.path);
    const self = proc ?? this.sys.self;
    if (!proc) {
      self.exePath = resolved.path;
      self.exeUpperLayer = writtenAfterStart(this.sys, resolved.path);
    }
    emitExecve(this.sys, self);
    if (!impl) {
      this.reap(proc);
      io.err(
        program.busybox
          ? `${basename(program.argv[0] ?? name)}: applet not found\n`
          : `${this.errPrefix()}${name}: this program exists in the image but the simulator has no behaviour for it\n`,
      );
      return 127;
    }
    try {
      return await impl({ ...io, sh: this, sys: this.sys, proc: self, argv: program.argv, env });
    } catch (e) {
      if (e instanceof ExitSignal) return e.code;
      throw e;
    } finally {
      this.reap(proc);
    }
  }

  /** Where `name` resolves on $PATH in the current root, as `command -v` would print it. */
  lookup(
    name: string,
    env: Map<string, string>,
  ): { ok: true; path: string } | { ok: false; message: string; code: number } {
    const view = this.sys.view;
    const cred = credentials(this.sys.sec);
    if (name.includes('/')) {
      const path = normalizePath(name, this.cwd);
      const e = view.stat(path);
      if (!e) return { ok: false, message: `${this.errPrefix()}${name}: not found\n`, code: 127 };
      if (e.type === 'dir' || !canAccess(e, cred, 1)) {
        return { ok: false, message: `${this.errPrefix()}${name}: Permission denied\n`, code: 126 };
      }
      return { ok: true, path };
    }
    for (const dir of (env.get('PATH') ?? this.vars.get('PATH') ?? '').split(':')) {
      if (!dir) continue;
      const path = `${dir.replace(/\/$/, '')}/${name}`;
      const e = view.stat(path);
      if (e && e.type !== 'dir' && (e.mode & 0o111) !== 0) return { ok: true, path };
    }
    return {
      ok: false,
      message: this.name === 'bash' ? `bash: ${name}: command not found\n` : `${this.errPrefix()}${name}: not found\n`,
      code: 127,
    };
  }

  /**
   * What program a file runs: a script (`#!`) through its interpreter, a multi-call busybox by the
   * name it was called as (or its first argument when called as `busybox`), else the program the
   * file is (an image's binary, or a copy of one) or, for an image binary, its name.
   */
  private programOf(
    path: string,
    argv: string[],
  ): { name?: string; argv: string[]; script?: string; busybox?: boolean } {
    const entry = this.sys.view.stat(path);
    const content = entry?.content ?? '';
    if (content.startsWith('#!')) return { argv, script: content };
    const program = entry?.program ?? basename(path);
    if (program === 'busybox') {
      const called = basename(argv[0] ?? '');
      if (called.startsWith('busybox')) return { name: argv[1], argv: argv.slice(1), busybox: true };
      return { name: called, argv, busybox: true };
    }
    return { name: program, argv };
  }

  /** Runs an executable script as the kernel does: its interpreter in a new process, the script as its argument. */
  private async runScriptFile(
    path: string,
    script: string,
    argv: string[],
    io: CommandIO,
    env: Map<string, string>,
  ): Promise<number> {
    const interp = (script.split('\n')[0] ?? '').slice(2).trim().split(/\s+/)[0] ?? '';
    const shells = new Set([
      '/bin/sh',
      '/bin/ash',
      '/bin/bash',
      '/bin/dash',
      '/usr/bin/sh',
      '/usr/bin/bash',
      '/usr/bin/env',
    ]);
    if (!shells.has(interp) || !this.sys.view.stat(interp)) {
      io.err(`${this.errPrefix()}${argv[0]}: not found\n`);
      return 127;
    }
    const proc = this.spawn(argv, env, path);
    const sub = this.fork();
    sub.args = argv.slice(1);
    sub.vars = new Map([...env]);
    sub.exported = new Set(env.keys());
    sub.sys = { ...this.sys, self: proc };
    emitExecve(this.sys, proc);
    try {
      return await sub.run(script.split('\n').slice(1).join('\n'), io);
    } catch (e) {
      if (e instanceof ExitSignal) return e.code;
      throw e;
    } finally {
      this.reap(proc);
    }
  }

  private spawn(argv: string[], env: Map<string, string>, exePath?: string): Proc {
    const host = this.sys.host;
    const { pid, nsPid } = allocPid(host, this.sys.pidNs);
    const proc: Proc = {
      ...this.sys.self,
      pid,
      nsPid,
      ppid: this.sys.self.pid,
      argv,
      startedAt: this.clock.now(),
      cpuMilli: 0,
      memBytes: 1 << 20,
      env: [...env].map(([k, v]) => `${k}=${v}`),
      transient: true,
      exePath,
      cwd: this.cwd,
      exeUpperLayer: exePath !== undefined && writtenAfterStart(this.sys, exePath),
    };
    delete proc.listen;
    host.procs.push(proc);
    return proc;
  }

  private reap(proc: Proc | undefined): void {
    if (!proc) return;
    const host = this.sys.host;
    host.procs = host.procs.filter((p) => p !== proc);
  }

  // ---- expansion ------------------------------------------------------------------------------

  async expandWords(words: Word[]): Promise<string[]> {
    const out: string[] = [];
    for (const w of words) out.push(...(await this.expandWord(w, true)));
    return out;
  }

  /** Expands one word into fields: parameters, command substitution, field splitting, globbing. */
  async expandWord(word: Word, split: boolean): Promise<string[]> {
    const fields: { text: string; pattern: string; glob: boolean }[] = [];
    let cur = { text: '', pattern: '', glob: false };
    let started = false;
    const add = (s: string, quoted: boolean) => {
      cur.text += s;
      cur.pattern += quoted ? s.replace(/[*?[\]\\]/g, '\\$&') : s;
      if (!quoted && /[*?[]/.test(s)) cur.glob = true;
      started = true;
    };
    const addSplit = (s: string) => {
      if (!split) return add(s, true);
      const pieces = s.split(/[ \t\n]+/);
      pieces.forEach((piece, i) => {
        if (i > 0 && (started || cur.text)) {
          fields.push(cur);
          cur = { text: '', pattern: '', glob: false };
          started = false;
        }
        if (piece) add(piece, false);
      });
    };
    for (const part of word) {
      if (part.t === 'lit') {
        add(part.v, part.q);
        if (part.q) started = true;
      } else {
        let value: string;
        if (part.t === 'var') value = await this.param(part.name, part.op, part.arg);
        else if (part.t === 'arith') value = String(this.arith(await this.expandString(part.src)));
        else value = (await this.substitute(part.src)).replace(/\n+$/, '');
        if (part.q) {
          add(value, true);
          started = true;
        } else addSplit(value);
      }
    }
    if (started || cur.text) fields.push(cur);
    const out: string[] = [];
    for (const f of fields) {
      if (split && f.glob) {
        const matches = this.glob(f.pattern);
        if (matches.length) {
          out.push(...matches);
          continue;
        }
      }
      out.push(f.text);
    }
    return out;
  }

  private async expandString(src: string): Promise<string> {
    return src.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => this.vars.get(n) ?? '');
  }

  private async param(name: string, op?: string, arg?: Word): Promise<string> {
    let value: string | undefined;
    if (name === '?') value = String(this.lastStatus);
    else if (name === '$') value = String(this.sys.self.nsPid);
    else if (name === '#') value = String(this.args.length);
    else if (name === '@' || name === '*') value = this.args.join(' ');
    else if (name === '0') value = this.name;
    else if (/^\d$/.test(name)) value = this.args[Number(name) - 1];
    else if (name === '!') value = '';
    else value = this.vars.get(name);
    if (!op) {
      if (value === undefined && this.vars.get('__nounset') === '1') throw new ExitSignal(1);
      return value ?? '';
    }
    const argText = async () => (arg ? (await this.expandWord(arg, false)).join(' ') : '');
    switch (op) {
      case 'len':
        return String((value ?? '').length);
      case ':-':
        return value ? value : await argText();
      case '-':
        return value !== undefined ? value : await argText();
      case ':=':
      case '=':
        if (op === ':=' ? !value : value === undefined) {
          value = await argText();
          this.vars.set(name, value);
        }
        return value ?? '';
      case ':+':
        return value ? await argText() : '';
      case '+':
        return value !== undefined ? await argText() : '';
      case ':?':
      case '?':
        if (op === ':?' ? !value : value === undefined) throw new ExitSignal(1);
        return value ?? '';
      case '#':
      case '##':
      case '%':
      case '%%': {
        const v = value ?? '';
        const re = globToRegExp(await argText(), op === '##' || op === '%%');
        if (op.startsWith('#')) {
          const m = v.match(new RegExp(`^(?:${re})`));
          return m ? v.slice(m[0].length) : v;
        }
        for (let i = op === '%%' ? 0 : v.length; op === '%%' ? i <= v.length : i >= 0; i += op === '%%' ? 1 : -1) {
          if (new RegExp(`^(?:${re})$`).test(v.slice(i))) return v.slice(0, i);
        }
        return v;
      }
      default:
        return value ?? '';
    }
  }

  /** $(...): runs in a subshell, collecting stdout. */
  async substitute(src: string): Promise<string> {
    if (this.depth >= this.limits.maxDepth)
      throw new LimitExceeded(`${this.name}: command substitution nested too deeply`);
    const sub = this.fork();
    let out = '';
    try {
      await sub.run(src, {
        stdin: '',
        out: (s) => {
          this.countOutput(s.length);
          out += s;
        },
        err: (s) => this.stderrSink?.(s),
        stdoutIsPipe: true,
      });
    } catch (e) {
      if (!(e instanceof ExitSignal)) throw e;
    }
    this.lastStatus = sub.lastStatus;
    return out;
  }

  /** Where command substitutions send their stderr (the exec's stderr). */
  stderrSink?: (s: string) => void;

  private arith(expr: string): number {
    const tokens = expr.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|==|!=|<=|>=|&&|\|\||[-+*/%()<>!]/g) ?? [];
    let i = 0;
    const val = (t: string | undefined): number =>
      t && /^\d+$/.test(t) ? Number(t) : Number(this.vars.get(t ?? '') ?? 0) || 0;
    const primary = (): number => {
      const t = tokens[i++];
      if (t === '(') {
        const v = or();
        i++;
        return v;
      }
      if (t === '-') return -primary();
      if (t === '!') return primary() ? 0 : 1;
      return val(t);
    };
    const bin = (next: () => number, ops: Record<string, (a: number, b: number) => number>) => () => {
      let v = next();
      while (tokens[i] && ops[tokens[i]!]) {
        const op = ops[tokens[i++]!]!;
        v = op(v, next());
      }
      return v;
    };
    const mul = bin(primary, {
      '*': (a, b) => a * b,
      '/': (a, b) => (b ? Math.trunc(a / b) : 0),
      '%': (a, b) => (b ? a % b : 0),
    });
    const add = bin(mul, { '+': (a, b) => a + b, '-': (a, b) => a - b });
    const cmp = bin(add, {
      '<': (a, b) => +(a < b),
      '>': (a, b) => +(a > b),
      '<=': (a, b) => +(a <= b),
      '>=': (a, b) => +(a >= b),
      '==': (a, b) => +(a === b),
      '!=': (a, b) => +(a !== b),
    });
    const and = bin(cmp, { '&&': (a, b) => +(!!a && !!b) });
    const or = bin(and, { '||': (a, b) => +(!!a || !!b) });
    return or();
  }

  glob(pattern: string): string[] {
    const abs = pattern.startsWith('/');
    const parts = pattern.split('/').filter(Boolean);
    let paths = [abs ? '/' : ''];
    for (const part of parts) {
      const next: string[] = [];
      const unescaped = part.replace(/\\(.)/g, '$1');
      const isPattern = /(^|[^\\])[*?[]/.test(part);
      for (const base of paths) {
        const dir = normalizePath(base || '.', this.cwd);
        if (!isPattern) {
          const p = base === '/' ? `/${unescaped}` : base ? `${base}/${unescaped}` : unescaped;
          if (this.sys.view.lstat(normalizePath(p, this.cwd))) next.push(p);
          continue;
        }
        for (const name of this.sys.view.list(dir) ?? []) {
          if (name.startsWith('.') && !part.startsWith('.')) continue;
          if (globMatch(part, name)) next.push(base === '/' ? `/${name}` : base ? `${base}/${name}` : name);
        }
      }
      paths = next.sort();
      if (!paths.length) return [];
    }
    return paths;
  }

  // ---- builtins -------------------------------------------------------------------------------

  private builtin(name: string): ((argv: string[], io: CommandIO) => Promise<number> | number) | undefined {
    switch (name) {
      case 'cd':
        return (argv, io) => {
          const target =
            argv[1] === undefined || argv[1] === '~'
              ? (this.vars.get('HOME') ?? '/')
              : argv[1] === '-'
                ? (this.vars.get('OLDPWD') ?? this.cwd)
                : argv[1];
          const path = normalizePath(target, this.cwd);
          const e = this.sys.view.stat(path);
          if (!e) {
            io.err(
              this.name === 'bash'
                ? `bash: cd: ${target}: No such file or directory\n`
                : `${this.errPrefix()}cd: can't cd to ${target}: No such file or directory\n`,
            );
            return this.name === 'bash' ? 1 : 2;
          }
          if (e.type !== 'dir') {
            io.err(`${this.errPrefix()}cd: can't cd to ${target}: Not a directory\n`);
            return 2;
          }
          if (!canAccess(e, credentials(this.sys.sec), 1)) {
            io.err(`${this.errPrefix()}cd: can't cd to ${target}: Permission denied\n`);
            return 2;
          }
          this.vars.set('OLDPWD', this.cwd);
          this.cwd = path;
          this.vars.set('PWD', path);
          return 0;
        };
      case 'pwd':
        return (_a, io) => {
          io.out(`${this.cwd}\n`);
          return 0;
        };
      case 'export':
        return (argv, io) => {
          if (argv.length === 1 || argv[1] === '-p') {
            for (const k of [...this.exported].sort()) io.out(`export ${k}='${this.vars.get(k) ?? ''}'\n`);
            return 0;
          }
          for (const a of argv.slice(1)) {
            const i = a.indexOf('=');
            const k = i < 0 ? a : a.slice(0, i);
            if (i >= 0) this.vars.set(k, a.slice(i + 1));
            this.exported.add(k);
          }
          return 0;
        };
      case 'unset':
        return (argv) => {
          for (const a of argv.slice(1).filter((x) => !x.startsWith('-'))) {
            this.vars.delete(a);
            this.exported.delete(a);
          }
          return 0;
        };
      case 'set':
        return (argv, io) => {
          if (argv.length === 1) {
            for (const [k, v] of [...this.vars].sort(([a], [b]) => a.localeCompare(b)))
              if (!k.startsWith('__')) io.out(`${k}='${v}'\n`);
          }
          // Options as `set -eu`, `set +e`, `set -o errexit`; only e (errexit) and u (nounset) are modelled.
          for (let i = 1; i < argv.length; i++) {
            const a = argv[i] ?? '';
            if (!/^[-+]/.test(a) || a === '-' || a === '--') break;
            const on = a.startsWith('-');
            const names = a.slice(1) === 'o' ? [argv[++i] ?? ''] : [...a.slice(1)];
            for (const n of names) {
              if (n === 'e' || n === 'errexit') this.errexit = on;
              if (n === 'u' || n === 'nounset') {
                if (on) this.vars.set('__nounset', '1');
                else this.vars.delete('__nounset');
              }
            }
          }
          return 0;
        };
      case 'exit':
        return (argv) => {
          throw new ExitSignal(argv[1] !== undefined ? Number(argv[1]) & 255 : this.lastStatus);
        };
      case ':':
      case 'true':
        return () => 0;
      case 'false':
        return () => 1;
      case 'echo':
        return (argv, io) => {
          let args = argv.slice(1);
          let newline = true;
          let escapes = this.name !== 'bash';
          while (args[0] && /^-[neE]+$/.test(args[0])) {
            if (args[0].includes('n')) newline = false;
            if (args[0].includes('e')) escapes = true;
            if (args[0].includes('E')) escapes = false;
            args = args.slice(1);
          }
          let text = args.join(' ');
          if (escapes) text = unescapeEcho(text);
          io.out(text + (newline ? '\n' : ''));
          return 0;
        };
      case 'printf':
        return (argv, io) => {
          io.out(printf(argv[1] ?? '', argv.slice(2)));
          return 0;
        };
      case 'test':
      case '[':
        return (argv, io) => {
          const args = argv.slice(1);
          if (name === '[') {
            if (args[args.length - 1] !== ']') {
              io.err(`${this.errPrefix()}[: missing ]\n`);
              return 2;
            }
            args.pop();
          }
          return this.test(args) ? 0 : 1;
        };
      case 'read':
        return (argv, io) => {
          const names = argv.slice(1).filter((a) => !a.startsWith('-'));
          const nl = io.stdin.indexOf('\n');
          if (!io.stdin) return 1;
          const line = nl < 0 ? io.stdin : io.stdin.slice(0, nl);
          const words = line.trim().split(/\s+/);
          names.forEach((n, i) => {
            this.vars.set(n, i === names.length - 1 ? words.slice(i).join(' ') : (words[i] ?? ''));
          });
          if (!names.length) this.vars.set('REPLY', line);
          return 0;
        };
      case 'eval':
        return (argv, io) => this.run(argv.slice(1).join(' '), io);
      case 'source':
      case '.':
        return (argv, io) => {
          const res = this.sys.view.read(normalizePath(argv[1] ?? '', this.cwd), credentials(this.sys.sec));
          if ('error' in res) {
            io.err(`${this.errPrefix()}${argv[0]}: can't open '${argv[1]}': ${fsErrorText[res.error]}\n`);
            return 2;
          }
          return this.run(res.content, io);
        };
      case 'exec':
        return (argv, io) => (argv.length > 1 ? this.runCommand(argv.slice(1), io) : 0);
      case 'command':
      case 'type':
        return (argv, io) => {
          const args = argv.slice(1).filter((a) => !a.startsWith('-'));
          if (name === 'command' && !argv[1]?.startsWith('-')) return this.runCommand(args, io);
          let status = 0;
          for (const a of args) {
            if (this.builtin(a)) io.out(name === 'type' ? `${a} is a shell builtin\n` : `${a}\n`);
            else {
              const r = this.lookup(a, this.exportedEnv());
              if (r.ok) io.out(name === 'type' ? `${a} is ${r.path}\n` : `${r.path}\n`);
              else status = 1;
            }
          }
          return status;
        };
      default:
        return undefined;
    }
  }

  private test(args: string[]): boolean {
    if (args[0] === '!') return !this.test(args.slice(1));
    const ai = args.indexOf('-a');
    if (ai > 0) return this.test(args.slice(0, ai)) && this.test(args.slice(ai + 1));
    const oi = args.indexOf('-o');
    if (oi > 0) return this.test(args.slice(0, oi)) || this.test(args.slice(oi + 1));
    if (args.length === 0) return false;
    if (args.length === 1) return args[0] !== '';
    if (args.length === 2) {
      const [op, v = ''] = args;
      const path = normalizePath(v, this.cwd);
      const e = () => this.sys.view.stat(path);
      const cred = credentials(this.sys.sec);
      switch (op) {
        case '-z':
          return v === '';
        case '-n':
          return v !== '';
        case '-e':
          return !!e();
        case '-f':
          return e()?.type === 'file';
        case '-d':
          return e()?.type === 'dir';
        case '-L':
        case '-h':
          return this.sys.view.lstat(path)?.type === 'symlink';
        case '-s':
          return (e()?.content.length ?? 0) > 0;
        case '-r': {
          const x = e();
          return !!x && canAccess(x, cred, 4);
        }
        case '-w': {
          const x = e();
          return !!x && canAccess(x, cred, 2) && !this.sys.view.locate(path)?.mount.readOnly;
        }
        case '-x': {
          const x = e();
          return !!x && canAccess(x, cred, 1);
        }
        default:
          return false;
      }
    }
    const [a = '', op, b = ''] = args;
    switch (op) {
      case '=':
      case '==':
        return a === b;
      case '!=':
        return a !== b;
      case '-eq':
        return Number(a) === Number(b);
      case '-ne':
        return Number(a) !== Number(b);
      case '-lt':
        return Number(a) < Number(b);
      case '-le':
        return Number(a) <= Number(b);
      case '-gt':
        return Number(a) > Number(b);
      case '-ge':
        return Number(a) >= Number(b);
      default:
        return false;
    }
  }
}

/** Expands the backslash escapes `echo -e` understands. */
export function unescapeEcho(s: string): string {
  return s.replace(/\\(0[0-7]{0,3}|x[0-9a-fA-F]{1,2}|[nrtabfv\\ce])/g, (_, e: string) => {
    if (e.startsWith('0')) return String.fromCharCode(Number.parseInt(e.slice(1) || '0', 8));
    if (e.startsWith('x')) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    return (
      (
        { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', c: '', e: '\x1b' } as Record<
          string,
          string
        >
      )[e] ?? e
    );
  });
}

/** Formats as the shell's `printf` does. */
export function printf(format: string, args: string[]): string {
  let out = '';
  let ai = 0;
  const fmt = unescapeEcho(format);
  do {
    out += fmt.replace(
      /%([-0 +#]*)(\d*)(?:\.(\d+))?([sdixXfbc%])/g,
      (_, flags: string, width: string, prec: string | undefined, conv: string) => {
        if (conv === '%') return '%';
        const arg = args[ai++] ?? '';
        let s: string;
        if (conv === 'd' || conv === 'i') s = String(Math.trunc(Number(arg) || 0));
        else if (conv === 'x' || conv === 'X') s = (Math.trunc(Number(arg) || 0) >>> 0).toString(16);
        else if (conv === 'f') s = (Number(arg) || 0).toFixed(prec ? Number(prec) : 6);
        else if (conv === 'b') s = unescapeEcho(arg);
        else if (conv === 'c') s = arg.slice(0, 1);
        else s = prec ? arg.slice(0, Number(prec)) : arg;
        if (conv === 'X') s = s.toUpperCase();
        const w = Number(width || 0);
        if (s.length < w)
          s = flags.includes('-') ? s.padEnd(w) : s.padStart(w, flags.includes('0') && conv !== 's' ? '0' : ' ');
        return s;
      },
    );
  } while (ai > 0 && ai < args.length);
  return out;
}
