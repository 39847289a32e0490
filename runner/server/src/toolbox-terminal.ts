import type { Duplex } from 'node:stream';
import { clampCols, clampRows, ShellBase, type TerminalSize } from './terminal.ts';

/** A shell process somewhere else (a `docker exec` into a toolbox container), as a byte stream. */
export interface RemoteShell {
  stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  exitCode(): Promise<number | null>;
}

/**
 * A kind session's shell: an exec into its toolbox container, streamed through
 * dockerode. Opening is asynchronous, so keystrokes typed before the exec is up
 * are held and sent once it is; a failure to open ends the shell with its reason
 * on screen rather than leaving a silent terminal.
 */
export class ToolboxTerminal extends ShellBase {
  private shell: RemoteShell | undefined;
  private pending: string[] = [];
  private killed = false;

  constructor(open: (size: TerminalSize) => Promise<RemoteShell>, initial: TerminalSize) {
    super();
    open({ cols: clampCols(initial.cols), rows: clampRows(initial.rows) }).then(
      (shell) => this.connected(shell),
      (error: unknown) => {
        this.output(`\r\nfailed to open a shell in the toolbox: ${error instanceof Error ? error.message : error}\r\n`);
        this.exit(1);
      },
    );
  }

  private connected(shell: RemoteShell): void {
    if (this.killed) {
      shell.stream.destroy();
      return;
    }
    this.shell = shell;
    shell.stream.on('data', (chunk: Buffer) => this.output(chunk.toString('utf8')));
    shell.stream.on('end', () => {
      void shell.exitCode().then(
        (code) => this.exit(code ?? 0),
        () => this.exit(0),
      );
    });
    shell.stream.on('error', () => this.exit(1));
    for (const data of this.pending.splice(0)) shell.stream.write(data);
  }

  write(data: string): void {
    if (!this.alive) return;
    if (this.shell) this.shell.stream.write(data);
    else this.pending.push(data);
  }

  resize(size: TerminalSize): void {
    if (this.alive) void this.shell?.resize(clampCols(size.cols), clampRows(size.rows));
  }

  kill(): void {
    this.killed = true;
    this.shell?.stream.destroy();
    this.exit(137);
  }
}
