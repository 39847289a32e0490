import type { UserInfo } from '@paranoid/k8s/identity.ts';
import { StatusError } from '@paranoid/k8s/status.ts';
import type { Clock } from '../../clock.ts';
import type { ExecRequest, ExecSession } from '../exec-types.ts';
import { allocPid } from '../node-host.ts';
import { runtimeState } from '../state.ts';
import { emitExecve } from '../syscalls.ts';
import type { ContainerInstance, Proc, RuntimeDeps, RuntimeState } from '../types.ts';
import './commands/index.ts';
import { execTarget } from './exec-target.ts';

export { execTarget } from './exec-target.ts';

import { DEFAULT_LIMITS, ExitSignal, LimitExceeded, type Limits } from './context.ts';
import { type CommandIO, Shell } from './interpreter.ts';
import { parse } from './parser.ts';
import { sysForContainer } from './sys.ts';

/** The most stdin one exec accepts. */
export const MAX_STDIN = 1 << 20;

const SHELLS = new Set(['sh', 'ash', 'bash', 'dash', 'zsh']);

/**
 * The pods/exec handler: `createExec(deps)(request, user)` starts the command in
 * the container and returns its session. Errors before the stream opens (no such
 * pod, container not valid or not running) throw {@link StatusError}s. The user is
 * who asked (already authorised for pods/exec by the API); the process runs as
 * the container's user, as on a real node.
 */
export function createExec(
  deps: RuntimeDeps,
  limits: Partial<Limits> = {},
): (req: ExecRequest, user: UserInfo) => ExecSession {
  return (req, _user) => {
    const state = runtimeState(deps);
    const inst = execTarget(state, req);
    return startSession(state, inst, req, { ...DEFAULT_LIMITS, ...limits });
  };
}

/**
 * The pods/attach handler: joins the container's main process. A shell started
 * with stdin open (`kubectl run -it ... -- sh`, `kubectl debug -it`) becomes an
 * interactive session whose exit ends the container, as on a node; any other
 * process offers its future output and ignores input.
 */
export function createAttach(
  deps: RuntimeDeps,
  limits: Partial<Limits> = {},
): (req: ExecRequest, user: UserInfo) => ExecSession {
  return (req, _user) => {
    const state = runtimeState(deps);
    const inst = execTarget(state, req);
    const exe = (inst.argv[0] ?? '').split('/').pop() ?? '';
    if (SHELLS.has(exe) && inst.spec.stdin && !inst.argv.includes('-c')) {
      const session = startSession(
        state,
        inst,
        { ...req, command: inst.argv, stdin: true },
        { ...DEFAULT_LIMITS, ...limits },
        inst.procs[0],
      );
      session.onExit((code) => {
        if (inst.state === 'running') state.exitContainer?.(inst, code);
      });
      return session;
    }
    return quietSession(state, inst);
  };
}

/** Attached to a process that does not read: new log lines as they come, until the container ends or the client leaves. */
function quietSession(state: RuntimeState, inst: ContainerInstance): ExecSession {
  const enc = new TextEncoder();
  const out: Array<(d: Uint8Array) => void> = [];
  const exits: Array<(c: number) => void> = [];
  let seen = inst.logs.length;
  let done = false;
  let cancel = () => {};
  const finish = (code: number) => {
    if (done) return;
    done = true;
    cancel();
    for (const l of exits) l(code);
  };
  const tick = () => {
    if (done) return;
    const fresh = inst.logs.slice(seen);
    seen = inst.logs.length;
    for (const line of fresh) for (const l of out) l(enc.encode(`${line.text}\n`));
    if (inst.state !== 'running') {
      finish(inst.exitCode ?? 0);
      return;
    }
    cancel = state.deps.clock.setTimer(1000, tick);
  };
  cancel = state.deps.clock.setTimer(1000, tick);
  return {
    writeStdin() {},
    closeStdin() {},
    resize() {},
    kill: () => finish(0),
    onStdout: (l) => void out.push(l),
    onStderr: () => undefined,
    onExit: (l) => void exits.push(l),
  };
}

function startSession(
  state: RuntimeState,
  inst: ContainerInstance,
  req: ExecRequest,
  limits: Limits,
  /** Attach: the session is this existing process rather than a new one. */
  attachTo?: Proc,
): ExecSession {
  const nodeClock = state.deps.clock;
  // While the session is open, its client waits in real time for whatever its processes wait on (a
  // `sleep`, `stress --timeout`): a clock that skips idle time may jump to those timers.
  const clock: Clock = {
    now: () => nodeClock.now(),
    setTimer: (ms, fn, options) => nodeClock.setTimer(ms, fn, { ...options, awaited: exited === undefined }),
  };
  const host = state.nodes.get(inst.nodeName)!;
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const stdoutL: Array<(d: Uint8Array) => void> = [];
  const stderrL: Array<(d: Uint8Array) => void> = [];
  const exitL: Array<(c: number) => void> = [];
  let exited: number | undefined;
  const env = [...inst.env, ...(req.tty ? ['TERM=xterm'] : [])];
  const self: Proc = attachTo ?? {
    ...allocPid(host, inst.pidNs),
    ppid: inst.procs[0]?.ppid ?? 1,
    pidNs: inst.pidNs,
    argv: req.command,
    uid: inst.sec.uid,
    gid: inst.sec.gid,
    startedAt: clock.now(),
    cpuMilli: 0,
    memBytes: 1 << 20,
    sec: inst.sec,
    env,
    container: inst,
    transient: true,
    cwd: inst.workingDir,
    ...(req.tty ? { tty: 136 << 8 } : {}),
  };
  if (!attachTo) host.procs.push(self);
  const sys = sysForContainer(state, inst, self, req.tty);
  const tty = req.tty;
  const emit = (list: Array<(d: Uint8Array) => void>, s: string) => {
    if (exited !== undefined || !s) return;
    const text = tty ? s.replace(/\r?\n/g, '\r\n') : s;
    const bytes = enc.encode(text);
    for (const l of list) l(bytes);
  };
  const out = (s: string) => emit(stdoutL, s);
  const err = (s: string) => emit(tty ? stdoutL : stderrL, s);
  const fail = (e: unknown) => {
    err(`internal error: ${(e as Error)?.message ?? String(e)}\n`);
    finish(1);
  };
  const finish = (code: number) => {
    if (exited !== undefined) return;
    exited = code;
    if (!attachTo) host.procs = host.procs.filter((p) => p !== self);
    for (const l of exitL) l(code);
  };

  const argv0 = req.command[0] ?? '';
  const exe = argv0.split('/').pop() ?? '';
  const baseShell = new Shell({
    sys,
    env,
    cwd: inst.workingDir,
    clock,
    limits,
    name: exe === 'bash' || exe === 'zsh' ? 'bash' : 'sh',
  });
  baseShell.stderrSink = err;
  const shellArgs = req.command.slice(1);
  const interactive =
    SHELLS.has(exe) && !shellArgs.some((a) => a === '-c' || !a.startsWith('-')) && (req.tty || req.stdin);
  // `kubectl exec -it ... -- nsenter ... -- sh` (or `chroot /host sh`, `env sh`, `top`): stdin is a
  // terminal that never closes, so the command must start now rather than wait for end of input; a
  // shell it starts becomes the one reading the terminal, and the session ends when that shell does.
  // Without a terminal (`kubectl exec -i ... -- nsenter ... -- sh`, typed or piped), the same holds
  // when the command ends in a shell that reads stdin: its lines run as they come. Any other
  // command (`cat`, `tar` for `kubectl cp`) gets its whole stdin once it closes.
  const last = (req.command[req.command.length - 1] ?? '').split('/').pop() ?? '';
  const startsShell =
    !req.command.includes('-c') &&
    req.command.length > 1 &&
    (SHELLS.has(last) || (exe === 'chroot' && req.command.length === 2));
  const launch = !interactive && req.stdin && (req.tty || startsShell);

  // One budget per command line: a session can run for hours, a runaway command cannot.
  const resetBudget = (sh: Shell) => {
    sh.counter = { steps: 0, output: 0 };
    sh.aborted = false;
  };
  const guard = async (sh: Shell, fn: () => Promise<number>): Promise<number | 'exit'> => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof ExitSignal) return e.code === undefined ? 'exit' : -(e.code + 1);
      if (e instanceof LimitExceeded) {
        if (e.message) err(`\n${e.message}\n`);
        return sh.aborted ? 130 : 137;
      }
      err(`${sh.errPrefix()}internal error: ${(e as Error).message}\n`);
      return 1;
    }
  };

  /** The runtime's refusal when argv[0] cannot be executed; true when it refused (and the session ended). */
  const refuseMissing = (): boolean => {
    const found = baseShell.lookup(argv0, baseShell.exportedEnv());
    if (
      found.ok ||
      ['cd', 'echo', 'exit', 'true', 'false', 'test', '[', 'printf', 'pwd', 'export', 'read'].includes(argv0)
    )
      return false;
    err(
      found.code === 127
        ? `OCI runtime exec failed: exec failed: unable to start container process: exec: "${argv0}": executable file not found in $PATH: unknown\n`
        : `OCI runtime exec failed: exec failed: unable to start container process: exec: "${argv0}": permission denied: unknown\n`,
    );
    finish(found.code === 127 ? 127 : 126);
    return true;
  };
  /** Exit codes come back from {@link guard} as numbers, `-(code + 1)` for `exit code`, or 'exit'. */
  const exitCodeOf = (r: number | 'exit', fallback: number) =>
    typeof r === 'number' ? (r < 0 ? -r - 1 : r) : fallback;

  if ((interactive || launch) && !attachTo) {
    // The runtime execs the session's program now; a non-interactive command is exec'd when it runs.
    const found = baseShell.lookup(argv0, baseShell.exportedEnv());
    if (found.ok) {
      self.exePath = found.path;
      emitExecve(sys, self);
    }
  }

  if (!interactive && !launch) {
    let stdinBuf = '';
    let stdinClosed = !req.stdin;
    let tooBig = false;
    const run = async () => {
      if (refuseMissing()) return;
      const counted = (s: string) => {
        baseShell.countOutput(s.length);
        out(s);
      };
      const io: CommandIO = { stdin: stdinBuf, out: counted, err, stdoutIsPipe: !tty, stdinIsTerminal: false };
      const r = await guard(baseShell, () => baseShell.runCommand(req.command, io, baseShell.exportedEnv(), true));
      finish(exitCodeOf(r, 0));
    };
    const session: ExecSession = {
      writeStdin(data) {
        if (stdinClosed || tooBig) return;
        stdinBuf += dec.decode(data, { stream: true });
        if (stdinBuf.length > MAX_STDIN) {
          tooBig = true;
          err(`exec: stdin larger than ${MAX_STDIN} bytes refused by the simulator\n`);
          finish(1);
        }
      },
      closeStdin() {
        if (stdinClosed) return;
        stdinClosed = true;
        if (!tooBig) run().catch(fail);
      },
      resize() {},
      kill() {
        baseShell.interrupt();
        finish(137);
      },
      onStdout: (l) => void stdoutL.push(l),
      onStderr: (l) => void stderrL.push(l),
      onExit: (l) => void exitL.push(l),
    };
    if (stdinClosed)
      queueMicrotask(() => {
        run().catch(fail);
      });
    return session;
  }

  // Interactive: a stack of shells (sh → nsenter → bash...) reading lines. When the session was
  // launched with a command, the base shell only runs that command: the session ends when the stack
  // falls back to it.
  const stack: Shell[] = [baseShell];
  const floor = launch ? 1 : 0;
  const top = () => stack[stack.length - 1]!;
  const shellSession = { push: (sh: Shell) => pushShell(sh) };
  const pushShell = (sh: Shell) => {
    sh.session = shellSession;
    sh.stderrSink = err;
    stack.push(sh);
  };
  let line = '';
  let pendingSource = '';
  let running = false;
  const queue: string[] = [];
  let stdinBytes = 0;
  let escapeState = 0;

  const prompt = () => {
    if (!tty || exited !== undefined) return;
    const sh = top();
    if (pendingSource) {
      out('> ');
      return;
    }
    const root = sh.sys.sec.uid === 0;
    const cwd = sh.cwd === (sh.vars.get('HOME') ?? '') && sh.cwd !== '/' ? '~' : sh.cwd;
    if (sh.name === 'bash') {
      const user = sh.sys.view.read('/etc/passwd', { uid: 0, gid: 0, groups: [], dacOverride: true });
      const name =
        'content' in user
          ? (user.content
              .split('\n')
              .map((l) => l.split(':'))
              .find((f) => Number(f[2]) === sh.sys.sec.uid)?.[0] ?? 'I have no name!')
          : 'I have no name!';
      out(`${name}@${sh.sys.hostname}:${cwd}${root ? '#' : '$'} `);
    } else if (sh.sys.userland === 'gnu') out(root ? '# ' : '$ ');
    else out(`${cwd} ${root ? '#' : '$'} `);
  };

  const runLine = async (text: string) => {
    const source = pendingSource ? `${pendingSource}\n${text}` : text;
    const parsed = parse(source);
    if (!parsed.ok && parsed.incomplete && (tty || !stdinClosedFlag.closed)) {
      pendingSource = source;
      return;
    }
    pendingSource = '';
    if (!source.trim()) return;
    const sh = top();
    resetBudget(sh);
    const counted = (s: string) => {
      sh.countOutput(s.length);
      out(s);
    };
    const io: CommandIO = { stdin: '', out: counted, err, stdoutIsPipe: !tty, stdinIsTerminal: true };
    const r = await guard(sh, () => sh.run(source, io));
    if (typeof r === 'number' && r < 0) {
      // `exit N` in the shell on top: back to the one below, or the session ends.
      stack.pop();
      if (stack.length <= floor) finish(-r - 1);
      else top().lastStatus = -r - 1;
    } else if (typeof r === 'number') sh.lastStatus = r;
  };

  const stdinClosedFlag = { closed: false };
  const pump = async () => {
    if (running) return;
    running = true;
    while (queue.length && exited === undefined) {
      await runLine(queue.shift()!);
      if (exited === undefined && !queue.length) prompt();
    }
    running = false;
    if (stdinClosedFlag.closed && exited === undefined && !queue.length) {
      if (pendingSource) {
        err(`${top().errPrefix()}syntax error: unexpected end of file\n`);
        pendingSource = '';
      }
      finish(top().lastStatus);
    }
  };

  const submit = (text: string) => {
    queue.push(text);
    pump().catch(fail);
  };

  const session: ExecSession = {
    writeStdin(data) {
      if (exited !== undefined) return;
      stdinBytes += data.length;
      if (stdinBytes > MAX_STDIN * 4) {
        err(`\nexec: more than ${MAX_STDIN * 4} bytes of input; the simulator closed the session\n`);
        finish(1);
        return;
      }
      const text = dec.decode(data, { stream: true });
      if (!tty) {
        line += text;
        const parts = line.split('\n');
        line = parts.pop() ?? '';
        for (const p of parts) submit(p);
        return;
      }
      for (const ch of text) {
        if (escapeState) {
          // Skip ANSI escape sequences (arrow keys): ESC [ ... letter.
          if (escapeState === 1 && ch === '[') escapeState = 2;
          else if (escapeState === 2 && /[0-9;]/.test(ch)) escapeState = 2;
          else escapeState = 0;
          continue;
        }
        if (ch === '\x1b') escapeState = 1;
        else if (ch === '\r' || ch === '\n') {
          out('\n');
          const l = line;
          line = '';
          submit(l);
        } else if (ch === '\x7f' || ch === '\b') {
          if (line.length) {
            line = line.slice(0, -1);
            out('\b \b');
          }
        } else if (ch === '\x03') {
          if (running) top().interrupt();
          out('^C\n');
          line = '';
          pendingSource = '';
          queue.length = 0;
          if (!running) prompt();
        } else if (ch === '\x04') {
          if (!line && !running) {
            out(top().name === 'bash' ? 'exit\n' : '\n');
            stack.pop();
            if (stack.length <= floor) finish(0);
            else prompt();
          }
        } else if (ch === '\x15') {
          out('\b \b'.repeat(line.length));
          line = '';
        } else if (ch >= ' ' || ch === '\t') {
          if (ch === '\t') continue;
          line += ch;
          out(ch);
        }
      }
    },
    closeStdin() {
      stdinClosedFlag.closed = true;
      if (line) {
        queue.push(line);
        line = '';
      }
      pump().catch(fail);
    },
    resize() {},
    kill() {
      top().interrupt();
      finish(137);
    },
    onStdout: (l) => void stdoutL.push(l),
    onStderr: (l) => void stderrL.push(l),
    onExit: (l) => void exitL.push(l),
  };
  baseShell.session = shellSession;
  if (!launch) {
    queueMicrotask(() => prompt());
    return session;
  }
  // Input that arrives before the command has started waits for the shell it starts.
  running = true;
  const launchCommand = async () => {
    if (refuseMissing()) return;
    resetBudget(baseShell);
    const counted = (s: string) => {
      baseShell.countOutput(s.length);
      out(s);
    };
    const io: CommandIO = { stdin: '', out: counted, err, stdoutIsPipe: !tty, stdinIsTerminal: true };
    const r = await guard(baseShell, () => baseShell.runCommand(req.command, io, baseShell.exportedEnv(), true));
    running = false;
    if (stack.length <= floor) {
      finish(exitCodeOf(r, baseShell.lastStatus));
      return;
    }
    // A shell took over the terminal: lines typed while it started are its first input.
    prompt();
    if (queue.length || stdinClosedFlag.closed) await pump();
  };
  queueMicrotask(() => {
    launchCommand().catch(fail);
  });
  return session;
}
