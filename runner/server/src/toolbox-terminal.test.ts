import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type RemoteShell, ToolboxTerminal } from './toolbox-terminal.ts';

function fakeShell() {
  const toShell = new PassThrough();
  const fromShell = new PassThrough();
  const resizes: Array<[number, number]> = [];
  // What the terminal writes goes to the shell; what the shell prints comes back.
  const stream = Duplex.from({ readable: fromShell, writable: toShell });
  let code: number | null = null;
  const shell: RemoteShell = {
    stream,
    resize: async (cols, rows) => {
      resizes.push([cols, rows]);
    },
    exitCode: async () => code,
  };
  return {
    shell,
    resizes,
    typed: () => toShell.read()?.toString() ?? '',
    print: (text: string) => fromShell.write(text),
    end: (exit: number) => {
      code = exit;
      fromShell.end();
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('ToolboxTerminal', () => {
  it('holds keystrokes typed before the exec is up and sends them once it is', async () => {
    const fake = fakeShell();
    let open!: (s: RemoteShell) => void;
    const terminal = new ToolboxTerminal(() => new Promise((resolve) => (open = resolve)), { cols: 80, rows: 24 });
    terminal.write('kubectl get pods\r');
    open(fake.shell);
    await tick();
    expect(fake.typed()).toBe('kubectl get pods\r');
  });

  it('keeps the scrollback for a client that reconnects', async () => {
    const fake = fakeShell();
    const terminal = new ToolboxTerminal(async () => fake.shell, { cols: 80, rows: 24 });
    await tick();
    fake.print('learner@paranoid:~$ ');
    await tick();
    const seen: string[] = [];
    terminal.attach((d) => seen.push(d));
    fake.print('ok\r\n');
    await tick();
    expect(terminal.scrollback()).toBe('learner@paranoid:~$ ok\r\n');
    expect(seen).toEqual(['ok\r\n']);
  });

  it('passes resizes on, clamped to sane sizes', async () => {
    const fake = fakeShell();
    const terminal = new ToolboxTerminal(async () => fake.shell, { cols: 80, rows: 24 });
    await tick();
    terminal.resize({ cols: 10_000, rows: 1 });
    expect(fake.resizes).toEqual([[500, 4]]);
  });

  it("reports the shell's exit code when it ends", async () => {
    const fake = fakeShell();
    const terminal = new ToolboxTerminal(async () => fake.shell, { cols: 80, rows: 24 });
    const codes: number[] = [];
    terminal.onExit((c) => codes.push(c));
    await tick();
    fake.end(3);
    await tick();
    expect(codes).toEqual([3]);
    expect(terminal.alive).toBe(false);
  });

  it('shows why the shell could not open instead of a silent screen', async () => {
    const terminal = new ToolboxTerminal(async () => Promise.reject(new Error('failed to reach Docker: ENOENT')), {
      cols: 80,
      rows: 24,
    });
    await tick();
    expect(terminal.scrollback()).toMatch(/failed to open a shell in the toolbox: failed to reach Docker/);
    expect(terminal.alive).toBe(false);
  });
});
