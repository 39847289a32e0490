import pty from 'node-pty';
import type { SandboxCommand } from './sandbox.ts';

/** How much output a terminal keeps for a client that reconnects. */
const SCROLLBACK_BYTES = 256 * 1024;

/** A terminal's size in character cells. */
export interface TerminalSize {
  cols: number;
  rows: number;
}

type Listener = (data: string) => void;

/**
 * A learner's shell as the terminal WebSocket sees it, wherever it runs: on a
 * pseudo-terminal in a bubblewrap sandbox ({@link Terminal}) or as an exec in a
 * kind session's toolbox container (toolbox-terminal.ts).
 */
export interface LearnerShell {
  readonly alive: boolean;
  scrollback(): string;
  attach(listener: Listener): () => void;
  onExit(listener: (code: number) => void): () => void;
  write(data: string): void;
  resize(size: TerminalSize): void;
  kill(): void;
}

/**
 * Output fan-out, scrollback and exit bookkeeping shared by every kind of shell.
 * A shell outlives any WebSocket: a client that drops and reconnects attaches
 * again and first receives the scrollback, so the screen comes back as it was.
 */
export abstract class ShellBase implements LearnerShell {
  private readonly listeners = new Set<Listener>();
  private readonly exitListeners = new Set<(code: number) => void>();
  private chunks: string[] = [];
  private size = 0;
  private exited: number | null = null;

  get alive(): boolean {
    return this.exited === null;
  }

  /** Everything the terminal printed lately, oldest first. */
  scrollback(): string {
    return this.chunks.join('');
  }

  /** Subscribes to output; returns the unsubscribe function. */
  attach(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onExit(listener: (code: number) => void): () => void {
    if (this.exited !== null) listener(this.exited);
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  abstract write(data: string): void;
  abstract resize(size: TerminalSize): void;
  abstract kill(): void;

  protected output(data: string): void {
    this.chunks.push(data);
    this.size += data.length;
    while (this.size > SCROLLBACK_BYTES && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
    for (const listener of this.listeners) listener(data);
  }

  protected exit(code: number): void {
    if (this.exited !== null) return;
    this.exited = code;
    for (const listener of this.exitListeners) listener(code);
  }
}

/** One learner shell on a pseudo-terminal, in the sandbox `command` describes. */
export class Terminal extends ShellBase {
  private readonly process: pty.IPty;

  constructor(command: SandboxCommand, initial: TerminalSize) {
    super();
    this.process = pty.spawn(command.file, command.args, {
      name: 'xterm-256color',
      cols: clampCols(initial.cols),
      rows: clampRows(initial.rows),
      cwd: '/',
      env: command.env,
    });
    this.process.onData((data) => this.output(data));
    this.process.onExit(({ exitCode }) => this.exit(exitCode));
  }

  get pid(): number {
    return this.process.pid;
  }

  write(data: string): void {
    if (this.alive) this.process.write(data);
  }

  resize(size: TerminalSize): void {
    if (this.alive) this.process.resize(clampCols(size.cols), clampRows(size.rows));
  }

  /** Ends the shell and everything in its sandbox (bwrap's PID namespace dies with its init). */
  kill(): void {
    if (!this.alive) return;
    try {
      this.process.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Bounds a requested column count to what a terminal supports (10–500), 80 when it is not a number. */
export const clampCols = (n: number) => Math.min(500, Math.max(10, Math.floor(n) || 80));
/** Bounds a requested row count to what a terminal supports (4–200), 24 when it is not a number. */
export const clampRows = (n: number) => Math.min(200, Math.max(4, Math.floor(n) || 24));
